"""Reads of the partner directory, and the question every referral asks: has the person agreed?

The directory is the network's: whoever may read it (front desk, counsellors, managers of any
centre) sees all of it; there is no "other centre" case, so an unknown id is the only 404.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from kem.models import Consent, ConsentPurpose
from kem.vault.normalise import fold
from partners.models import Organisation, PartnerService, name_order
from referrals.policy import may_edit_directory, may_read_directory


def _plain(text: str) -> str:
    """Lowercase, without accents, spaces collapsed: how partner names compare."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


# --- the directory -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory is narrowed to; every part is optional."""

    query: str = ""
    area: str = ""
    category: str = ""
    type: str = ""
    language: str = ""
    include_inactive: bool = False


def _matches(organisation: Organisation, words: list[str]) -> bool:
    """Every word of the query starts a word of the organisation's or its services' names, in
    Greek or English, whatever the case, accents or script (``fold`` transliterates Greek)."""
    names = [organisation.name_el, organisation.name_en]
    names += [n for s in organisation.shown_services for n in (s.name_el, s.name_en)]
    haystack = " " + " ".join(fold(name) for name in names)
    return all(f" {word}" in haystack for word in words)


def organisation_search(*, user: Any, filters: DirectoryFilters | None = None) -> list[Organisation]:
    """The organisations matching ``filters``, by name in the active language, each with its
    (active, unless inactive ones are asked for) services in ``shown_services``: two queries.

    Area, category and type narrow the query; the names and languages (a JSON list, which SQLite
    cannot search) are matched in Python over the narrowed rows — the directory is hundreds of
    partners, not millions.
    """
    if not may_read_directory(user):
        raise PermissionDenied
    filters = filters or DirectoryFilters()
    rows = Organisation.objects.all()
    services = PartnerService.objects.all()
    if not filters.include_inactive:
        rows = rows.filter(active=True)
        services = services.filter(active=True)
    if filters.type:
        rows = rows.filter(type=filters.type)
    wanted = Q()
    if filters.area:
        wanted &= Q(area=filters.area)
    if filters.category:
        wanted &= Q(category=filters.category)
    if filters.area or filters.category:
        rows = rows.filter(pk__in=services.filter(wanted).values("organisation_id"))
    rows = rows.prefetch_related(
        Prefetch("services", queryset=services.order_by(name_order(), "pk"), to_attr="shown_services")
    ).order_by(name_order(), "pk")
    words = fold(filters.query).split()
    return [
        organisation
        for organisation in rows
        if (not filters.language or filters.language in (organisation.languages or []))
        and (not words or _matches(organisation, words))
    ]


def organisation_for(user: Any, pk: Any, *, edit: bool = False) -> Organisation:
    """An organisation of the directory: 404 for an unknown id, 403 unless the user may read the
    directory (``edit``: keep it)."""
    try:
        organisation = Organisation.objects.get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not (may_edit_directory(user) if edit else may_read_directory(user)):
        raise PermissionDenied
    return organisation


def organisation_services(*, organisation: Organisation) -> QuerySet[PartnerService]:
    """An organisation's services, active first, with how many referrals each received."""
    return organisation.services.annotate(referral_count=Count("referrals")).order_by(
        "-active", "area", name_order(), "pk"
    )


def partner_service_for(user: Any, pk: Any, *, edit: bool = False) -> PartnerService:
    """A partner's service: 404 for an unknown id, 403 unless the user may read the directory
    (``edit``: keep it)."""
    try:
        service = PartnerService.objects.select_related("organisation").get(pk=pk)
    except (PartnerService.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not (may_edit_directory(user) if edit else may_read_directory(user)):
        raise PermissionDenied
    return service


# --- consent -----------------------------------------------------------------------------------


def referral_consent_for(*, beneficiary: Any, organisation: Organisation, on: dt.date) -> Consent | None:
    """The person's referral consent to ``organisation`` that holds on ``on`` (given by then, not
    withdrawn, not expired), most recently given first; ``None`` if there is none. One query.

    A consent names the organisation by the directory (its foreign key) or, for consents recorded
    as free text, by a partner name equal to its Greek or English name, whatever the case, accents
    and spacing. A consent naming another directory organisation never counts, whatever its text.
    """
    consents = (
        Consent.objects.filter(beneficiary=beneficiary, purpose=ConsentPurpose.REFERRAL)
        .valid_on(on)
        .filter(Q(organisation=organisation) | Q(organisation__isnull=True))
        .order_by("-given_on", "-pk")
    )
    names = {_plain(organisation.name_el), _plain(organisation.name_en)} - {""}
    for consent in consents:
        if consent.organisation_id == organisation.pk or _plain(consent.partner) in names:
            return consent
    return None
