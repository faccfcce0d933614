"""Reads about outgoing referrals, scoped to the user: one referral, the centre's list, the
services to choose from, the contact people, the figures for statistics.

Fetch helpers answer like ``kem.permissions.centre_for``: another centre's referral is a 404 (ids
confirm nothing), a role of the centre that may not refer (teacher, analyst, DPO) gets 403. Also
registers the "Refer to a partner" button and the referral steps on the beneficiary's profile
(this module is imported by ``referrals.apps``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kem.models import Beneficiary, Centre, Membership
from kem.permissions import access_for
from kem.selectors.timeline import (
    ProfileAction,
    TimelineEntry,
)
from partners.models import Organisation, PartnerService, WorkingArea
from referrals.models import Referral, ReferralStatus, ReferralStep
from referrals.policy import may_refer

READ_ACTION = "referrals.referral.read"
API_READ_ACTION = "api.referral.read"
# The sealed fields of a referral, as the access log names them.
SEALED_FIELDS = {
    "reason": "referral.reason",
    "override_reason": "referral.override_reason",
    "decline_reason": "referral.decline_reason",
    "outcome_reason": "referral.outcome_reason",
}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- centres and people ------------------------------------------------------------------------


def referring_centres(user: Any) -> QuerySet[Centre]:
    """Centres where ``user`` refers people (front desk, counsellors, the manager)."""
    ids = [pk for pk in access_for(user).centre_ids if may_refer(user, pk)]
    return Centre.objects.filter(pk__in=ids).order_by("name_el")


def referral_for(user: Any, pk: Any) -> Referral:
    """A referral of the user's centre with what its page shows joined: 404 another centre's,
    403 for a role of the centre that may not refer."""
    try:
        referral = Referral.objects.select_related(
            "beneficiary__person_key",
            "centre",
            "service__organisation",
            "contact_person",
            "created_by",
            "override_by",
            "consent",
        ).get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if referral.centre_id not in access_for(user).centre_ids:
        raise Http404
    if not may_refer(user, referral.centre_id):
        raise PermissionDenied
    return referral


def referral_steps(*, referral: Referral) -> list[ReferralStep]:
    """The referral's status changes, oldest first, with who made them (one query)."""
    return list(referral.steps.select_related("by").order_by("at", "pk"))


def contact_people(*, centre: Centre) -> QuerySet[Any]:
    """Active staff of ``centre``, the people a partner may call back."""
    users = Membership.objects.active().filter(centre=centre).values("user_id")
    return get_user_model().objects.filter(pk__in=users).order_by("first_name", "last_name", "username")


def sealed_shown(referral: Referral) -> dict[str, str]:
    """The referral's sealed fields that hold text, opened (for those who may read them)."""
    values = {name: getattr(referral, name) for name in SEALED_FIELDS}
    return {name: value for name, value in values.items() if value}


# --- choosing a service ------------------------------------------------------------------------


def service_choices(*, query: str = "") -> list[tuple[str, list[PartnerService]]]:
    """Active services of active partners, grouped by working area (in the areas' order), narrowed
    by ``query`` on the service's or the organisation's name in either language. One query."""
    services = PartnerService.objects.filter(active=True, organisation__active=True).select_related(
        "organisation"
    )
    query = (query or "").strip()
    if query:
        services = services.filter(
            Q(name_el__icontains=query)
            | Q(name_en__icontains=query)
            | Q(organisation__name_el__icontains=query)
            | Q(organisation__name_en__icontains=query)
        )
    grouped: dict[str, list[PartnerService]] = {area: [] for area in WorkingArea.values}
    for service in services.order_by("organisation__name_el", "name_el"):
        grouped[service.area].append(service)
    return [(str(WorkingArea(area).label), rows) for area, rows in grouped.items() if rows]


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralFilters:
    """What the list is narrowed to; every part is optional."""

    centre: Centre | None = None
    status: str = ""
    area: str = ""
    organisation: Organisation | None = None
    overdue: bool = False


def referral_list(*, user: Any, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """Referrals of the centres where the user refers people, newest first, with what a row shows
    (person and key, service and partner, contact person, centre) joined: no per-row queries."""
    filters = filters or ReferralFilters()
    rows = Referral.objects.filter(centre__in=referring_centres(user))
    if filters.centre is not None:
        rows = rows.filter(centre=filters.centre)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.area:
        rows = rows.filter(service__area=filters.area)
    if filters.organisation is not None:
        rows = rows.filter(service__organisation=filters.organisation)
    if filters.overdue:
        rows = rows.overdue()
    return rows.select_related(
        "beneficiary__person_key", "service__organisation", "contact_person", "centre"
    ).order_by("-created_at", "pk")


# --- figures for statistics --------------------------------------------------------------------


@dataclass
class ReferralFigure:
    """Referrals sent in a period to one working area or one organisation, and what came of them.

    ``accepted`` counts every referral the partner accepted, whatever happened next; rates are
    ``None`` when there is nothing to divide by (no answer yet, nothing completed).
    """

    key: Any
    label: str
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    successful: int = 0
    unsuccessful: int = 0
    response_hours: list[float] = field(default_factory=list, repr=False)

    @property
    def acceptance_rate(self) -> float | None:
        answered = self.accepted + self.declined
        return self.accepted / answered if answered else None

    @property
    def success_rate(self) -> float | None:
        completed = self.successful + self.unsuccessful
        return self.successful / completed if completed else None

    @property
    def median_hours_to_response(self) -> float | None:
        return statistics.median(self.response_hours) if self.response_hours else None

    def add(self, other: ReferralFigure) -> None:
        self.sent += other.sent
        self.accepted += other.accepted
        self.declined += other.declined
        self.successful += other.successful
        self.unsuccessful += other.unsuccessful


@dataclass(frozen=True)
class ReferralFigures:
    by_area: list[ReferralFigure]
    by_organisation: list[ReferralFigure]


# A referral withdrawn after an answer was accepted before (a declined one stays declined).
_ACCEPTED = Q(responded_at__isnull=False) & ~Q(status=ReferralStatus.DECLINED)
_COMPLETED = Q(status=ReferralStatus.COMPLETED)


def referral_figures(
    *, centre_ids: list[int] | tuple[int, ...] | set[int], start: dt.date, end: dt.date
) -> ReferralFigures:
    """Referrals of ``centre_ids`` sent between ``start`` and ``end`` (local dates, both included),
    per working area and per organisation: sent, accepted, declined, completed successfully or
    not, the rates and the median hours from sending to the partner's answer. Two queries: the
    counts per (area, organisation), and the answered referrals' times."""
    sent = Referral.objects.filter(
        centre_id__in=list(centre_ids),
        sent_at__gte=_start_of(start),
        sent_at__lt=_start_of(end + dt.timedelta(days=1)),
    )
    counts = (
        sent.values(
            "service__area",
            "service__organisation_id",
            "service__organisation__name_el",
            "service__organisation__name_en",
        )
        .annotate(
            sent=Count("pk"),
            accepted=Count("pk", filter=_ACCEPTED),
            declined=Count("pk", filter=Q(status=ReferralStatus.DECLINED)),
            successful=Count("pk", filter=_COMPLETED & Q(outcome_successful=True)),
            unsuccessful=Count("pk", filter=_COMPLETED & Q(outcome_successful=False)),
        )
        .order_by()
    )
    by_area = {area: ReferralFigure(key=area, label=str(label)) for area, label in WorkingArea.choices}
    by_organisation: dict[int, ReferralFigure] = {}
    for row in counts:
        org_id = row["service__organisation_id"]
        part = ReferralFigure(
            key=row["service__area"],
            label="",
            **{name: row[name] for name in ("sent", "accepted", "declined", "successful", "unsuccessful")},
        )
        by_area[row["service__area"]].add(part)
        if org_id not in by_organisation:
            name = Organisation(
                name_el=row["service__organisation__name_el"], name_en=row["service__organisation__name_en"]
            ).name
            by_organisation[org_id] = ReferralFigure(key=org_id, label=name)
        by_organisation[org_id].add(part)
    answered = sent.filter(responded_at__isnull=False).values_list(
        "service__area", "service__organisation_id", "sent_at", "responded_at"
    )
    for area, org_id, sent_at, responded_at in answered:
        hours = (responded_at - sent_at).total_seconds() / 3600
        by_area[area].response_hours.append(hours)
        by_organisation[org_id].response_hours.append(hours)
    return ReferralFigures(
        by_area=[figure for figure in by_area.values() if figure.sent],
        by_organisation=sorted(by_organisation.values(), key=lambda f: f.label),
    )


# --- the profile -------------------------------------------------------------------------------


def referral_actions(beneficiary: Beneficiary, user: Any) -> list[ProfileAction]:
    """ "Refer to a partner", for those who refer people at the person's centre."""
    if not may_refer(user, beneficiary.registering_centre_id):
        return []
    url = reverse("referral-new", args=[beneficiary.pk])
    return [ProfileAction("referral-new", _("Refer to a partner"), url)]


def _step_title(step: ReferralStep, organisation: str) -> str:
    titles = {
        ReferralStatus.SENT: _("Referred to %(organisation)s"),
        ReferralStatus.ACCEPTED: _("Accepted by %(organisation)s"),
        ReferralStatus.DECLINED: _("Declined by %(organisation)s"),
        ReferralStatus.WITHDRAWN: _("Referral to %(organisation)s withdrawn"),
    }
    if step.to_status == ReferralStatus.COMPLETED:
        referral = step.referral
        if referral.outcome_successful:
            return _("Referral to %(organisation)s completed: successful") % {"organisation": organisation}
        return _("Referral to %(organisation)s completed: not successful") % {"organisation": organisation}
    return titles.get(step.to_status, _("Referral to %(organisation)s")) % {"organisation": organisation}


def step_actor(step: ReferralStep) -> str:
    """Who made a step: "the partner" (through the link), the user's name, or nobody."""
    if step.by_partner:
        return _("the partner")
    if step.by is None:
        return ""
    return step.by.get_full_name() or step.by.get_username()


def referral_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Drafted, sent, accepted, declined, completed and withdrawn referrals at the centres where
    the user refers people; titles name the partner, never a sealed reason. Two queries."""
    centres = [pk for pk in access_for(user).centre_ids if may_refer(user, pk)]
    if not centres:
        return []
    referrals = list(
        Referral.objects.filter(beneficiary=beneficiary, centre_id__in=centres).select_related(
            "service__organisation", "created_by"
        )
    )
    if not referrals:
        return []
    entries = [
        TimelineEntry(
            at=r.created_at,
            kind="referrals.referral.drafted",
            title=_("Referral to %(organisation)s drafted") % {"organisation": r.service.organisation.name},
            actor=r.created_by.get_full_name() or r.created_by.get_username(),
            url=r.get_absolute_url(),
        )
        for r in referrals
    ]
    by_pk = {r.pk: r for r in referrals}
    for step in ReferralStep.objects.filter(referral_id__in=list(by_pk)).select_related("by"):
        step.referral = by_pk[step.referral_id]
        entries.append(
            TimelineEntry(
                at=step.at,
                kind=f"referrals.referral.{step.to_status}",
                title=_step_title(step, step.referral.service.organisation.name),
                actor=step_actor(step),
                url=step.referral.get_absolute_url(),
            )
        )
    return entries
