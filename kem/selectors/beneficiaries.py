"""Finding beneficiaries: scoped fetch, front-desk search and the duplicate check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kem.models import Beneficiary, BeneficiaryQuerySet
from kem.permissions import CentrePerm, centres_with, may, visible_centres
from kem.vault.normalise import id_canonical
from kem.vault.search import Candidate, search_people

SEARCH_LIMIT = 50
# Candidates must share at least this many name tokens (any strength) to count as similar.
SIMILAR_MIN_TOKENS = 2


def beneficiaries_visible_to(user: Any) -> BeneficiaryQuerySet:
    """The people registered at the centres where ``user`` serves beneficiaries (merged ones left out)."""
    return Beneficiary.objects.at_centres(centres_with(user, CentrePerm.SERVE))


def beneficiary_for(user: Any, pk: uuid.UUID | str, perm: str = CentrePerm.SERVE) -> Beneficiary:
    """The person ``pk`` for ``user``: 404 unless registered at one of the user's centres (so ids
    confirm nothing), 403 if the user's role there may not work with people (teacher, analyst)."""
    try:
        beneficiary = Beneficiary.objects.select_related("registering_centre").get(
            pk=pk, registering_centre__in=visible_centres(user), merged_into__isnull=True
        )
    except (Beneficiary.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not may(user, perm, beneficiary.registering_centre_id):
        raise PermissionDenied
    return beneficiary


def beneficiary_search(*, user: Any, query: str, limit: int = SEARCH_LIMIT) -> list[Candidate]:
    """Ranked people matching ``query`` (a name in any script or variant, a phone, an ID number)
    among those registered at the user's centres; at most ``limit``."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    return search_people(query, queryset=beneficiaries_visible_to(user), limit=limit)


@dataclass
class DuplicateCheck:
    """What registering this person would duplicate.

    ``same_id``: people anywhere in the network holding one of the ID numbers (a hard stop);
    ``visible_same_id``: those of them the user may open. ``similar``: people at the user's centres
    with a similar name (cross-script, phonetic) and the same birth year, for the officer to judge.
    """

    same_id: list[Beneficiary] = field(default_factory=list)
    visible_same_id: list[Beneficiary] = field(default_factory=list)
    similar: list[Beneficiary] = field(default_factory=list)

    @property
    def is_clear(self) -> bool:
        return not (self.same_id or self.similar)


def beneficiary_duplicates(
    *, user: Any, data: dict[str, Any], exclude: uuid.UUID | None = None
) -> DuplicateCheck:
    """Look for the person described by ``data`` (names, birth_year, id_numbers) before saving."""
    check = DuplicateCheck()
    check.same_id = _same_id_numbers(data.get("id_numbers") or {}, exclude=exclude)
    visible_ids = set(
        beneficiaries_visible_to(user)
        .filter(pk__in=[b.pk for b in check.same_id])
        .values_list("pk", flat=True)
    )
    check.visible_same_id = [b for b in check.same_id if b.pk in visible_ids]
    same_id_pks = {b.pk for b in check.same_id}
    check.similar = [b for b in _similar_names(user, data, exclude=exclude) if b.pk not in same_id_pks]
    return check


def _same_id_numbers(id_numbers: dict[str, str], *, exclude: uuid.UUID | None) -> list[Beneficiary]:
    found: dict[uuid.UUID, Beneficiary] = {}
    everyone = Beneficiary.objects.not_shredded().filter(merged_into__isnull=True)
    for number in {id_canonical(str(n)) for n in id_numbers.values() if n}:
        if len(number) < 4:
            continue
        for candidate in search_people(number, queryset=everyone, limit=10):
            held = {id_canonical(str(v)) for v in (candidate.person.id_numbers or {}).values()}
            if number in held and candidate.person.pk != exclude:
                found[candidate.person.pk] = candidate.person
    return list(found.values())


def _similar_names(user: Any, data: dict[str, Any], *, exclude: uuid.UUID | None) -> list[Beneficiary]:
    names = [
        data.get(k) or "" for k in ("given_name", "family_name", "given_name_latin", "family_name_latin")
    ]
    query = " ".join(n for n in names if n).strip()
    if not query:
        return []
    birth_year = data.get("birth_year")
    similar = []
    for candidate in search_people(query, queryset=beneficiaries_visible_to(user), limit=20):
        person = candidate.person
        if person.pk == exclude or candidate.tokens_matched < SIMILAR_MIN_TOKENS:
            continue
        if birth_year and person.birth_year and person.birth_year != birth_year:
            continue
        similar.append(person)
    return similar
