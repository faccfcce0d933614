"""Registering and editing beneficiaries.

The form (kem/forms/beneficiary.py) validates what a person typed; these services validate again
(``full_clean``), derive what is derived (birth year, the ID-number index source, the next document
expiry), record the officer's duplicate decisions and keep history with the acting user.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kem.models import Beneficiary, Centre, DuplicateDecision
from kem.models.beneficiaries import PLAIN_FIELDS, SEALED_FIELDS
from kem.selectors.beneficiaries import DuplicateCheck, beneficiary_duplicates
from kem.services.records import record_save, set_history_user

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Fields a registration or an edit may set; everything else is derived or set by other services.
EDITABLE_FIELDS = (*SEALED_FIELDS, *PLAIN_FIELDS, "registration_date")


class DuplicateFound(ValidationError):
    """Registration stopped: an ID number is already registered, or similar people await a decision."""

    def __init__(self, check: DuplicateCheck) -> None:
        self.check = check
        if check.same_id:
            message, code = _("This ID number is already registered."), "duplicate_id"
        else:
            message, code = _("Possible duplicates need your decision before saving."), "possible_duplicates"
        super().__init__(message, code=code)


@transaction.atomic
def beneficiary_register(
    *,
    centre: Centre,
    by: User,
    data: dict[str, Any],
    decisions: dict[str, str] | None = None,
    check_duplicates: bool = True,
) -> Beneficiary:
    """Register a person at ``centre``.

    A person already registered with one of the ID numbers is a hard stop. People with a similar
    name and the same birth year stop the registration until ``decisions`` (candidate id ->
    "different" or "same") answers each of them; "same" also stops it, since the officer should
    open the existing record instead. Decisions are kept in ``DuplicateDecision``.
    """
    decisions = decisions or {}
    beneficiary = Beneficiary(registering_centre=centre, registered_by=by)
    beneficiary_fields_apply(beneficiary, data)
    beneficiary.full_clean(exclude=["person_key"])
    if check_duplicates:
        check = beneficiary_duplicates(user=by, data=_identity(beneficiary))
        undecided = [c for c in check.similar if str(c.pk) not in decisions]
        same = [c for c in check.similar if decisions.get(str(c.pk)) == DuplicateDecision.Decision.SAME]
        if check.same_id or undecided or same:
            raise DuplicateFound(check)
    set_history_user(beneficiary, by)
    beneficiary.save()
    # Only decisions about people the check actually proposed are kept: a forged or stale id
    # in the form must not create a record about somebody else.
    proposed = {str(c.pk) for c in check.similar} if check_duplicates else set()
    for candidate_id, decision in decisions.items():
        if candidate_id not in proposed:
            continue
        DuplicateDecision.objects.create(
            beneficiary=beneficiary, candidate_id=candidate_id, decision=decision, decided_by=by
        )
    return beneficiary


@transaction.atomic
def beneficiary_update(*, beneficiary: Beneficiary, by: User, data: dict[str, Any]) -> Beneficiary:
    """Change a person's details; the history keeps the previous envelopes and who changed them."""
    beneficiary_fields_apply(beneficiary, data)
    return record_save(beneficiary, by=by, exclude=["person_key"])


def beneficiary_fields_apply(beneficiary: Beneficiary, data: dict[str, Any]) -> None:
    """Set editable fields from ``data`` (unknown keys raise); the caller validates and saves."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(beneficiary, name, value)
    if beneficiary.date_of_birth:
        beneficiary.birth_year = beneficiary.date_of_birth.year
    documents = beneficiary.documents or []
    beneficiary.documents = documents
    beneficiary.id_numbers = id_numbers_of(documents)
    beneficiary.next_document_expiry = next_expiry_of(documents)


def id_numbers_of(documents: list[dict[str, Any]]) -> dict[str, str]:
    """{kind: number} of the documents, numbered when a kind repeats (the ID index reads it)."""
    numbers: dict[str, str] = {}
    for doc in documents:
        if not doc.get("number"):
            continue
        key, n = doc["kind"], 2
        while key in numbers:
            key, n = f"{doc['kind']}_{n}", n + 1
        numbers[key] = doc["number"]
    return numbers


def next_expiry_of(documents: list[dict[str, Any]]) -> dt.date | None:
    """The earliest expiry date among documents that are still valid."""
    dates = [
        dt.date.fromisoformat(doc["expires_on"])
        for doc in documents
        if doc.get("expires_on") and doc.get("status", "valid") in ("valid", "pending_renewal")
    ]
    return min(dates, default=None)


def _identity(beneficiary: Beneficiary) -> dict[str, Any]:
    return {
        "given_name": beneficiary.given_name,
        "family_name": beneficiary.family_name,
        "given_name_latin": beneficiary.given_name_latin,
        "family_name_latin": beneficiary.family_name_latin,
        "birth_year": beneficiary.birth_year,
        "id_numbers": beneficiary.id_numbers,
    }
