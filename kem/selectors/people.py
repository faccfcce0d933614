"""Reads about what surrounds a person: consents, household, merges; scoped to the user.

Also the timeline sources of these records (consent given and withdrawn, household changes,
merges in both directions). This module is imported by the profile page through
``profile_people_context``, which registers the sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from kem.models import Beneficiary, Centre, Consent, HouseholdMember, MergeRecord, Relationship
from kem.models.people import EXPIRING_WITHIN_DAYS
from kem.permissions import CentrePerm, may, visible_centres
from kem.selectors.beneficiaries import beneficiaries_visible_to
from kem.selectors.timeline import TimelineEntry

# The front-desk home page lists at most this many expiring consents (the count covers all).
EXPIRING_LIST_LIMIT = 20


def profile_people_context(*, beneficiary: Beneficiary, user: Any) -> dict[str, Any]:
    """Context for kem/people/_profile_panels.html: consents, household, and what the user may do.

    Three queries whatever the number of consents or household members.
    """
    today = timezone.localdate()
    consents = [
        (consent, consent.status_on(today))
        for consent in Consent.objects.filter(beneficiary=beneficiary).select_related("recorded_by")
    ]
    return {
        "person": beneficiary,
        "consents": consents,
        "household": household_of(beneficiary=beneficiary),
        "can_merge": may(user, CentrePerm.MANAGE, beneficiary.registering_centre),
    }


def consent_for(user: Any, pk: int) -> Consent:
    """A consent of a person the user may open (404 another centre's or a merged record's, 403 a
    role that may not serve people), as ``beneficiary_for`` answers for the person."""
    try:
        consent = Consent.objects.select_related("beneficiary__registering_centre").get(
            pk=pk,
            beneficiary__registering_centre__in=visible_centres(user),
            beneficiary__merged_into__isnull=True,
        )
    except (Consent.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not may(user, CentrePerm.SERVE, consent.beneficiary.registering_centre):
        raise PermissionDenied
    return consent


def consent_valid_for_referral(*, beneficiary: Beneficiary, partner: str, on: dt.date | None = None) -> bool:
    """Whether the person's referral consent for ``partner`` holds on ``on`` (today by default).

    Partner names compare without regard to case and surrounding spaces.
    """
    day = on or timezone.localdate()
    wanted = partner.strip().casefold()
    consents = Consent.objects.filter(beneficiary=beneficiary, purpose="referral").valid_on(day)
    return any(c.partner.strip().casefold() == wanted for c in consents.only("partner"))


@dataclass(frozen=True)
class ExpiringConsents:
    count: int
    consents: list[Consent]


def consents_expiring(*, centre: Centre, user: Any, days: int = EXPIRING_WITHIN_DAYS) -> ExpiringConsents:
    """Valid consents of ``centre``'s people that expire within ``days`` days, soonest first.

    Empty unless the user serves beneficiaries there. Two queries: the count and the first
    ``EXPIRING_LIST_LIMIT`` with their people (and keys, to show the names).
    """
    if not may(user, CentrePerm.SERVE, centre):
        return ExpiringConsents(count=0, consents=[])
    rows = (
        Consent.objects.expiring_within(days)
        .filter(
            beneficiary__registering_centre=centre,
            beneficiary__merged_into__isnull=True,
            beneficiary__person_key__shredded_at__isnull=True,
        )
        .select_related("beneficiary__person_key")
        .order_by("expires_on", "pk")
    )
    return ExpiringConsents(count=rows.count(), consents=list(rows[:EXPIRING_LIST_LIMIT]))


@dataclass(frozen=True)
class HouseholdView:
    household_id: int
    members: list[HouseholdMember]  # head first
    membership: HouseholdMember  # the person's own


def household_of(*, beneficiary: Beneficiary) -> HouseholdView | None:
    """The person's household with every member and their relationship to the head (two queries)."""
    own = HouseholdMember.objects.filter(beneficiary=beneficiary).first()
    if own is None:
        return None
    members = list(
        HouseholdMember.objects.filter(household_id=own.household_id)
        .select_related("beneficiary__person_key")
        .order_by("pk")
    )
    members.sort(key=lambda m: m.relationship != Relationship.HEAD)
    return HouseholdView(household_id=own.household_id, members=members, membership=own)


def merge_candidates(*, user: Any, survivor: Beneficiary, found: list[Any]) -> list[Beneficiary]:
    """The people among search results ``found`` that ``user`` may merge into ``survivor``:
    not the survivor itself, registered at a centre the user manages."""
    managed = set(visible_centres(user, CentrePerm.MANAGE).values_list("pk", flat=True))
    return [
        c.person for c in found if c.person.pk != survivor.pk and c.person.registering_centre_id in managed
    ]


def merge_duplicate_for(*, user: Any, survivor: Beneficiary, pk: Any) -> Beneficiary:
    """The record ``pk`` to merge into ``survivor``: 404 unless visible and managed by the user."""
    try:
        duplicate = beneficiaries_visible_to(user).get(
            pk=pk, registering_centre__in=visible_centres(user, CentrePerm.MANAGE)
        )
    except (Beneficiary.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if duplicate.pk == survivor.pk:
        raise Http404
    return duplicate


def merge_comparison(*, survivor: Beneficiary, duplicate: Beneficiary) -> list[tuple[str, int, int]]:
    """(what, survivor's count, duplicate's count) for each kind of related record either has."""
    rows = []
    for relation in person_relations():
        a, b = relation.of(survivor).count(), relation.of(duplicate).count()
        if a or b:
            rows.append((relation.label, a, b))
    return rows


def household_search_candidates(*, user: Any, person: Beneficiary, found: list[Any]) -> list[Beneficiary]:
    """The people among search results that may join ``person``'s household: same centre, not
    themselves."""
    return [
        c.person
        for c in found
        if c.person.pk != person.pk and c.person.registering_centre_id == person.registering_centre_id
    ]


# --- timeline ----------------------------------------------------------------------------------


def _on(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def consent_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Consents given and withdrawn (two queries: the consents, and who recorded withdrawals)."""
    consents = list(Consent.objects.filter(beneficiary=beneficiary).select_related("recorded_by"))
    withdrawn_by: dict[int, str] = {}
    for row in (
        Consent.history.filter(beneficiary_id=beneficiary.pk, withdrawn_on__isnull=False)
        .select_related("history_user")
        .order_by("history_date")
    ):
        # The first history row with a withdrawal date says who recorded the withdrawal.
        withdrawn_by.setdefault(row.id, row.history_user.get_username() if row.history_user else "")
    entries = []
    for consent in consents:
        purpose = consent.get_purpose_display()
        detail = consent.partner
        entries.append(
            TimelineEntry(
                at=_on(consent.given_on),
                kind="kem.consent.given",
                title=_("Consent given: %(purpose)s") % {"purpose": purpose},
                detail=detail,
                actor=consent.recorded_by.get_username(),
            )
        )
        if consent.withdrawn_on:
            entries.append(
                TimelineEntry(
                    at=_on(consent.withdrawn_on),
                    kind="kem.consent.withdrawn",
                    title=_("Consent withdrawn: %(purpose)s") % {"purpose": purpose},
                    detail=detail,
                    actor=withdrawn_by.get(consent.pk, ""),
                )
            )
    return entries


def household_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """The person joining, changing place in and leaving a household (one query, on the history)."""
    rows = (
        HouseholdMember.history.filter(beneficiary_id=beneficiary.pk)
        .select_related("history_user")
        .order_by("history_date")
    )
    titles = {
        "+": ("kem.household.joined", _("Joined a household as: %(relationship)s")),
        "~": ("kem.household.changed", _("Household membership changed: %(relationship)s")),
        "-": ("kem.household.left", _("Left the household")),
    }
    return [
        TimelineEntry(
            at=row.history_date,
            kind=titles[row.history_type][0],
            title=titles[row.history_type][1] % {"relationship": row.get_relationship_display()},
            actor=row.history_user.get_username() if row.history_user else "",
        )
        for row in rows
    ]


def merge_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Records merged into this one, and the record this one was merged into (one query)."""
    rows = MergeRecord.objects.filter(Q(survivor=beneficiary) | Q(merged_id=beneficiary.pk)).select_related(
        "merged_by"
    )
    entries = []
    for record in rows:
        if record.survivor_id == beneficiary.pk:
            kind, title = "kem.beneficiary.merged_from", _("Merged from record %(id)s")
            other = str(record.merged_id)
        else:
            kind, title = "kem.beneficiary.merged_into", _("Merged into record %(id)s")
            other = str(record.survivor_id)
        entries.append(
            TimelineEntry(
                at=record.merged_at,
                kind=kind,
                title=title % {"id": other[:8]},
                actor=record.merged_by.get_username(),
                extra={"other": other},
            )
        )
    return entries


# --- the records that belong to a person (merges move them) ----------------------------------


@dataclass(frozen=True)
class Relation:
    """One way a record points at a beneficiary: ``model.field`` -> Beneficiary."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def one_to_one(self) -> bool:
        return self.field.one_to_one

    def of(self, beneficiary: Beneficiary) -> models.QuerySet:
        return self.model._base_manager.filter(**{self.field.name: beneficiary})

    def movable(self, duplicate: Beneficiary, survivor: Beneficiary) -> models.QuerySet:
        """The duplicate's records, less those that also point at the survivor (a duplicate
        decision about these two records documents the pair and stays as it is)."""
        rows = self.of(duplicate)
        for other in self.model._meta.concrete_fields:
            if other is not self.field and other.is_relation and other.related_model is Beneficiary:
                rows = rows.exclude(**{other.name: survivor})
        return rows


def person_relations() -> list[Relation]:
    """Every relation of another model to ``Beneficiary`` that belongs to the person's record.

    Found by introspection (``Beneficiary._meta.get_fields(include_hidden=True)``: the reverse
    side of every foreign key and one-to-one, hidden ones such as ``related_name="+"`` included),
    so that cases, referrals and enrolments added by other apps move on a merge without this module
    naming them. Left out: history tables (history rows stay where they were written; a merge
    only seals again the envelopes of those whose owner is now the survivor), ``MergeRecord`` (the
    record of earlier merges) and the vault's ``PersonKey`` (a forward field of the person, each
    record keeps its own key so its history stays readable).
    """
    relations = []
    for rel in Beneficiary._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.many_to_many:
            continue
        model = rel.related_model
        if issubclass(model, HistoricalChanges) or model is MergeRecord:
            continue
        relations.append(Relation(model=model, field=rel.field))
    return sorted(relations, key=lambda r: r.key)


def related_counts(beneficiary: Beneficiary) -> dict[str, int]:
    """How many records of each relation point at ``beneficiary`` (keyed by ``Relation.key``)."""
    return {relation.key: relation.of(beneficiary).count() for relation in person_relations()}
