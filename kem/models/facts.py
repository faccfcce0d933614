"""Special-category facts about people, held apart from the people: what statistics count.

A person's vulnerabilities (trafficking, torture, illness, …) and disability are GDPR art. 9
data. They are sealed on the person (``Beneficiary.vulnerabilities``/``disability``), and each
one is also written here as a ``SpecialCategoryFact(pseudonym, category)``: no person id, no
foreign key, no centre, no date, a random primary key. The pseudonym is a keyed HMAC of the
person's id (``kem.vault.pseudonyms``, key wrapped under the root key and kept out of data
backups), so a dump alone cannot tie a fact to a person row, while the running server computes
the pseudonyms of the people a report counts and looks their facts up without opening anybody's
sealed data (``people_with_fact``). docs/SECURITY.md, "Special-category facts", says what the
table still leaks and why shredding keeps the facts.

Facts are written with the person: ``Beneficiary.save()`` (when a special-category field
changed) and ``people_bulk_create`` (imports, the demo). A merged record holds none: the
survivor's facts are the union of both records'.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kem.vault.pseudonyms import pseudonymiser

if TYPE_CHECKING:
    from kem.models.beneficiaries import Beneficiary

# The category of the disability fact; the others are ``kem.choices.Vulnerability`` codes.
DISABILITY = "disability"
# The pseudonyms of people are HMACs of their id under this label.
PERSON_LABEL = "kem_beneficiary"
_CHUNK = 500


class SpecialCategoryFact(models.Model):
    """One special-category fact about one person, under the person's pseudonym only."""

    # Random, so that neither the key nor its order says when or for whom a fact was written.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=64, editable=False)
    category = models.CharField(_("category"), max_length=40, editable=False)

    class Meta:
        verbose_name = _("special-category fact")
        verbose_name_plural = _("special-category facts")
        constraints = [
            models.UniqueConstraint(fields=["pseudonym", "category"], name="special_fact_once"),
        ]

    def __str__(self) -> str:
        return f"{_('special-category fact')} {str(self.pk)[:8]}"


def categories_of(person: Beneficiary) -> set[str]:
    """The fact categories a person's current (opened) values say."""
    found = {str(code) for code in (person.vulnerabilities or []) if code}
    if person.disability:
        found.add(DISABILITY)
    return found


def write_facts(people: Sequence[Beneficiary], *, using: str | None = None) -> None:
    """Replace the facts of ``people`` by those of their current values (one transaction).

    A merged record (``merged_into`` set) and a shredded one hold no facts of their own here:
    a merged record's facts are its survivor's; a shredded person's facts are left as they were
    (their values cannot be opened any more, and past statistics must not change).
    """
    if not people:
        return
    pseudonym = pseudonymiser(PERSON_LABEL)
    live = [p for p in people if not (p.person_key_id and p.person_key.is_shredded)]
    names = {p.pk: pseudonym(p.pk) for p in live}
    wanted = {(names[p.pk], category) for p in live if not p.merged_into_id for category in categories_of(p)}
    manager = SpecialCategoryFact.objects.db_manager(using)
    with transaction.atomic(using=using):
        pseudonyms = list(names.values())
        held: dict[tuple[str, str], Any] = {}
        for start in range(0, len(pseudonyms), _CHUNK):
            rows = manager.filter(pseudonym__in=pseudonyms[start : start + _CHUNK])
            held.update(
                {
                    (name, category): pk
                    for pk, name, category in rows.values_list("pk", "pseudonym", "category")
                }
            )
        # Only what changed: a fact that stays keeps its row (and its place in the table).
        gone = [pk for fact, pk in held.items() if fact not in wanted]
        for start in range(0, len(gone), _CHUNK):
            manager.filter(pk__in=gone[start : start + _CHUNK]).delete()
        new = sorted(wanted - set(held))
        manager.bulk_create([SpecialCategoryFact(pseudonym=n, category=c) for n, c in new], batch_size=1000)


def facts_of(person_ids: Iterable[Any]) -> dict[Any, set[str]]:
    """{person id: categories} for the people among ``person_ids`` who have any facts."""
    pseudonym = pseudonymiser(PERSON_LABEL)
    by_pseudonym = {pseudonym(pk): pk for pk in person_ids}
    found: dict[Any, set[str]] = {}
    names = list(by_pseudonym)
    for start in range(0, len(names), _CHUNK):
        rows = SpecialCategoryFact.objects.filter(pseudonym__in=names[start : start + _CHUNK]).values_list(
            "pseudonym", "category"
        )
        for name, category in rows:
            found.setdefault(by_pseudonym[name], set()).add(category)
    return found


def people_with_fact(person_ids: Iterable[Any], category: str) -> set[Any]:
    """Those of ``person_ids`` who have a fact of ``category``: one HMAC per person, no opening."""
    return {pk for pk, categories in facts_of(person_ids).items() if category in categories}


@transaction.atomic
def rewrite_facts() -> int:
    """Write the whole table again in pseudonym order, in one transaction; return the row count.

    New facts are appended in the order people are saved, which is also the order of their rows
    and history rows in the database; the rewrite puts every fact in pseudonym order (random with
    respect to people) under one transaction id, so neither the physical order in a dump nor the
    writing transaction ties a fact to a person's row. Run nightly (``kem.tasks.facts_rewrite``).
    """
    rows = sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category"))
    SpecialCategoryFact.objects.all().delete()
    SpecialCategoryFact.objects.bulk_create(
        [SpecialCategoryFact(pseudonym=name, category=category) for name, category in rows], batch_size=1000
    )
    return len(rows)


def rebuild_facts(*, batch_size: int = 500) -> tuple[int, int]:
    """Write every live person's facts again from their sealed values; return (people, facts).

    For a database whose facts are missing or out of step (restored from a data backup that lost
    them, or rows changed by ``QuerySet.update()``, which writes no facts). Opens the two fields of
    every live, unmerged person (each batch its own transaction, its keys forgotten after it);
    shredded people's facts are left alone, since their values cannot be opened.
    """
    from kem.models.beneficiaries import Beneficiary
    from kem.vault import key_cache

    people = Beneficiary.objects.not_shredded().order_by("pk")
    done, last = 0, None
    while True:
        batch_query = people if last is None else people.filter(pk__gt=last)
        with key_cache(), transaction.atomic():
            batch = list(batch_query[:batch_size])
            if not batch:
                break
            write_facts(batch)
        done += len(batch)
        last = batch[-1].pk
    return done, SpecialCategoryFact.objects.count()
