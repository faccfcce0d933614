"""Figures for the statistics issue: referrals sent in a period, per working area and per partner,
with acceptance and success rates and the median time to the partner's answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory, WorkingArea
from referrals.models import Referral, ReferralStatus
from referrals.selectors.referrals import referral_figures

pytestmark = pytest.mark.django_db

START = dt.date(2025, 3, 1)
END = dt.date(2025, 3, 31)


def _at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, 3, day, hour))


def _service(name: str, category: str) -> PartnerService:
    organisation = Organisation.objects.create(name_el=name, name_en=name, type=OrganisationType.NGO)
    return PartnerService.objects.create(
        organisation=organisation, name_el=name, name_en=name, category=category
    )


@pytest.fixture
def known(make_referral, housing_partner, thessaloniki):
    """Shelter: 5 sent (2 completed — one successful —, 1 declined, 1 waiting, 1 withdrawn after
    accepting), answered after 2, 4, 6 and 10 hours. Rent: 1 declined after 3 hours. Legal: 2 sent
    (1 accepted after 1 hour, 1 withdrawn unanswered). Plus referrals that must not count."""
    rent = _service("Rent Help", ServiceCategory.RENT_SUBSIDY)
    legal = _service("Legal Aid", ServiceCategory.LEGAL_AID)

    def sent(service, status, day, hours=None, **fields):
        referral = make_referral(service=service)
        responded = _at(day) + dt.timedelta(hours=hours) if hours is not None else None
        Referral.objects.filter(pk=referral.pk).update(
            status=status, sent_at=_at(day), responded_at=responded, **fields
        )
        return referral

    sent(housing_partner, ReferralStatus.COMPLETED, 2, 2, outcome_successful=True)
    sent(housing_partner, ReferralStatus.COMPLETED, 3, 4, outcome_successful=False)
    sent(housing_partner, ReferralStatus.DECLINED, 4, 6)
    sent(housing_partner, ReferralStatus.SENT, 5)
    sent(housing_partner, ReferralStatus.WITHDRAWN, 31, 10)
    sent(rent, ReferralStatus.DECLINED, 6, 3)
    sent(legal, ReferralStatus.ACCEPTED, 7, 1)
    sent(legal, ReferralStatus.WITHDRAWN, 8)
    # Not counted: sent the day before, sent the day after, a draft, another centre's.
    Referral.objects.filter(pk=make_referral().pk).update(
        status=ReferralStatus.SENT, sent_at=_at(1) - dt.timedelta(hours=11)
    )
    Referral.objects.filter(pk=make_referral().pk).update(
        status=ReferralStatus.SENT, sent_at=timezone.make_aware(dt.datetime(2025, 4, 1, 0, 30))
    )
    make_referral()
    Referral.objects.filter(pk=make_referral(centre=thessaloniki).pk).update(
        status=ReferralStatus.SENT, sent_at=_at(10)
    )
    return {"shelter": housing_partner.organisation, "rent": rent.organisation, "legal": legal.organisation}


def _row(figure):
    return (
        figure.sent,
        figure.accepted,
        figure.declined,
        figure.successful,
        figure.unsuccessful,
        figure.acceptance_rate,
        figure.success_rate,
        figure.median_hours_to_response,
    )


def test_figures_per_organisation(known, athens):
    figures = referral_figures(centre_ids=[athens.pk], start=START, end=END)

    rows = {figure.key: _row(figure) for figure in figures.by_organisation}
    assert rows == {
        known["shelter"].pk: (5, 3, 1, 1, 1, 0.75, 0.5, 5.0),
        known["rent"].pk: (1, 0, 1, 0, 0, 0.0, None, 3.0),
        known["legal"].pk: (2, 1, 0, 0, 0, 1.0, None, 1.0),
    }
    labels = {figure.key: figure.label for figure in figures.by_organisation}
    assert labels[known["legal"].pk] == "Legal Aid"


def test_figures_per_working_area_add_up_their_partners(known, athens):
    figures = referral_figures(centre_ids=[athens.pk], start=START, end=END)

    rows = {figure.key: _row(figure) for figure in figures.by_area}
    assert rows == {
        WorkingArea.HOUSING: (6, 3, 2, 1, 1, 0.6, 0.5, 4.0),
        WorkingArea.LEGAL: (2, 1, 0, 0, 0, 1.0, None, 1.0),
    }


def test_figures_cost_two_queries_and_cover_only_the_centres_asked(
    known, athens, thessaloniki, django_assert_num_queries
):
    with django_assert_num_queries(2):
        referral_figures(centre_ids=[athens.pk], start=START, end=END)

    elsewhere = referral_figures(centre_ids=[thessaloniki.pk], start=START, end=END)
    assert [(f.key, f.sent) for f in elsewhere.by_organisation] == [(known["shelter"].pk, 1)]


def test_no_referrals_no_figures(athens):
    figures = referral_figures(centre_ids=[athens.pk], start=START, end=END)

    assert figures.by_area == [] and figures.by_organisation == []
