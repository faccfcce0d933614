"""The partner directory: organisations and the services they offer.

The directory is the network's, shared by every centre; managers of any centre keep it
(``referrals/policy.py``). Every write keeps history with the acting user. Nothing is deleted:
referrals and consents point at organisations and services, so they are deactivated instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kem.services.records import record_deactivate, record_save
from partners.models import Organisation, PartnerService
from referrals.policy import may_edit_directory

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# ISO 639-1 (two letters) or ISO 639-2/3 (three letters), lowercase.
ISO_639_CODE = re.compile(r"^[a-z]{2,3}$")

# The organisation fields the services accept (all plain: the directory holds no personal data
# beyond a partner's work contact).
ORGANISATION_FIELDS = (
    "name_el",
    "name_en",
    "type",
    "address",
    "area_served",
    "contact_name",
    "email",
    "phone",
    "website",
)


def _require_editor(by: User) -> None:
    if not may_edit_directory(by):
        raise PermissionDenied


def _languages(codes: Iterable[str]) -> list[str]:
    """The codes trimmed, lowercased, deduplicated in their order; refused unless each has the
    form of an ISO 639 code."""
    cleaned: list[str] = []
    for code in codes or []:
        code = (code or "").strip().lower()
        if not ISO_639_CODE.match(code):
            raise ValidationError(
                {
                    "languages": ValidationError(
                        _("Languages are ISO 639 codes: two or three lowercase letters, such as “ar”."),
                        code="iso639",
                    )
                }
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _fill(organisation: Organisation, given: dict[str, Any], languages: Iterable[str]) -> None:
    """Set the ORGANISATION_FIELDS from ``given``, the keyword arguments of the calling service."""
    for name in ORGANISATION_FIELDS:
        value = given.get(name, "")
        setattr(organisation, name, value.strip() if isinstance(value, str) else value)
    organisation.languages = _languages(languages)


@transaction.atomic
def organisation_create(
    *,
    name_el: str,
    name_en: str,
    type: str,
    address: str = "",
    area_served: str = "",
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    languages: Iterable[str] = (),
    by: User,
) -> Organisation:
    """Add a partner organisation to the directory (active); managers only."""
    _require_editor(by)
    organisation = Organisation()
    _fill(organisation, locals(), languages)
    record_save(organisation, by=by)
    return organisation


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    name_el: str,
    name_en: str,
    type: str,
    address: str = "",
    area_served: str = "",
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    languages: Iterable[str] = (),
    active: bool = True,
    by: User,
) -> Organisation:
    """Change a partner's details, or (re)activate it; managers only. Referrals already made keep
    pointing at it."""
    _require_editor(by)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _fill(organisation, locals(), languages)
    organisation.active = active
    record_save(organisation, by=by)
    return organisation


@transaction.atomic
def organisation_deactivate(*, organisation: Organisation, by: User) -> Organisation:
    """Take a partner off the directory's default list and out of new referrals and consents.

    Its services stay as they are (an inactive partner's services are not offered either), so
    reactivating the partner brings them back.
    """
    _require_editor(by)
    return record_deactivate(
        organisation, by=by, already_inactive=_("This organisation is already inactive.")
    )


@transaction.atomic
def partner_service_create(
    *, organisation: Organisation, name_el: str, name_en: str, category: str, by: User
) -> PartnerService:
    """Add a service an organisation offers, in one category (its working area follows); managers
    only."""
    _require_editor(by)
    service = PartnerService(
        organisation=organisation, name_el=name_el.strip(), name_en=name_en.strip(), category=category
    )
    record_save(service, by=by)
    return service


@transaction.atomic
def partner_service_update(
    *, service: PartnerService, name_el: str, name_en: str, category: str, active: bool = True, by: User
) -> PartnerService:
    """Rename, recategorise, deactivate or reactivate a service; managers only. A service stays
    with its organisation; referrals already made keep pointing at it."""
    _require_editor(by)
    service = PartnerService.objects.select_for_update().get(pk=service.pk)
    service.name_el, service.name_en = name_el.strip(), name_en.strip()
    service.category = category
    service.active = active
    record_save(service, by=by)
    return service
