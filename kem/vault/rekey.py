"""Re-keying: give a person a new data key and seal every value of theirs again under it.

Root-key rotation (``rotation.rewrap_root_keys``) only re-wraps the same data keys, so whoever
once held the root key and a copy of the database could open those values for good. Re-keying
replaces the data key itself: ``rekey_person`` locks the person-key row, makes a new random key
(``generation`` one higher, envelopes labelled ``g<generation>``) and, in the same transaction,
opens every sealed value of the person with the old key and seals it again with the new one:

- rows of every model with sealed fields whose ``vault_owner`` path leads to the person (found
  through ``apps.get_models()``; ``"case.beneficiary"`` is the join
  ``case__beneficiary__person_key_id``), and
- their django-simple-history rows whose own copy of that path leads to the person: exactly the
  history rows that ``record.instance.<field>`` opens with this person's key. Their envelopes are
  bound to the original table and row (``table.column:row id``).

Values are written with an ``UPDATE`` of the envelope columns only (``update_rows``): no ``save()``, no
signals, no history rows. Envelopes from before generations existed (named by a hash of the
key) are replaced like the others. The old data key is not kept anywhere, so once the
transaction commits nothing this database holds opens with it.

A value that does not open with the person's key (a history row of a record moved to this person
by a merge, still sealed under the key of the record merged into them) is tried with the keys of
the people merged into this one (the person model names its merge field in
``vault_merged_into``) and then sealed under the new key, which is the key ``record.instance``
opens it with; if nothing opens it, ``RekeyError`` names the table, column and row.

``bulk_rekey`` re-keys every live person in batches, one transaction per batch, keeping its place
in a ``RekeyRun`` row, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, router, transaction
from django.utils import timezone

from kem.vault import crypto, keycache
from kem.vault.errors import TamperedError, VaultError, WrongKeyError
from kem.vault.fields import SealedField
from kem.vault.keycache import key_cache
from kem.vault.models import PersonKey, RekeyRun, SealedModel, VaultPerson, update_rows

Progress = Callable[[int, int], None]
WRITE_BATCH = 500


class RekeyError(VaultError):
    """A value of the person opens with none of the keys that could have sealed it."""


@dataclass(frozen=True)
class Target:
    """The rows of one table that hold values of a person: a sealed model or its history."""

    model: type[models.Model]
    fields: tuple[SealedField, ...]  # the original model's sealed fields (they make the context)
    lookup: str  # the filter on a person key id, e.g. "case__beneficiary__person_key_id"
    history: bool

    def attnames(self) -> list[str]:
        # A history copy of ``notes`` is the column ``notes`` under the attribute ``notes_sealed``,
        # the attname of the original field too.
        return [f.attname for f in self.fields]

    def row_id_attname(self) -> str:
        return "id" if self.history else self.model._meta.pk.attname


@dataclass
class Rekeyed:
    """What ``rekey_person`` did."""

    person_key_id: uuid.UUID
    generation: int
    values: int = 0
    rows: int = 0
    repaired: list[str] = field(default_factory=list)  # contexts opened with a merged person's key


def owner_lookup(path: str) -> str:
    """The queryset filter on a person key id for a ``vault_owner`` path."""
    if path == "self":
        return "person_key_id"
    return f"{path.replace('.', '__')}__person_key_id"


@functools.cache
def targets() -> tuple[Target, ...]:
    """Every table holding sealed values of people, with the join from its rows to a person key."""
    found: list[Target] = []
    for model in apps.get_models():
        if not issubclass(model, SealedModel) or not model.vault_owner:
            continue
        sealed = tuple(
            f for f in model._meta.concrete_fields if isinstance(f, SealedField) and not f._is_history_copy()
        )
        if not sealed:
            continue
        lookup = owner_lookup(model.vault_owner)
        found.append(Target(model=model, fields=sealed, lookup=lookup, history=False))
        history = _history_model(model)
        if history is not None:
            found.append(Target(model=history, fields=sealed, lookup=lookup, history=True))
    return tuple(found)


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    """The django-simple-history model of ``model``, if it has one."""
    for candidate in apps.get_models():
        if getattr(candidate, "instance_type", None) is model and candidate is not model:
            return candidate
    return None


def rekey_person(person_key_id: uuid.UUID | str, *, using: str | None = None) -> Rekeyed | None:
    """Give the person a new data key and reseal all their values; None if shredded or unknown.

    One transaction: the person-key row stays locked (``SELECT … FOR UPDATE``, the lock ``shred``
    and every sealing ``save()`` take) until the new key and every resealed value are written.
    """
    using = using or router.db_for_write(PersonKey)
    person_key_id = uuid.UUID(str(person_key_id))
    cache_key = ("person", person_key_id)
    with transaction.atomic(using=using):
        key = PersonKey.objects.using(using).select_for_update().filter(pk=person_key_id).first()
        if key is None or key.is_shredded:
            return None
        old = key.sealer_for(key.unwrap())
        key.generation += 1
        key.wrap(crypto.new_key())
        new = key.sealer()
        done = Rekeyed(person_key_id=person_key_id, generation=key.generation)
        former = _FormerKeys(person_key_id, using=using)
        for target in targets():
            _reseal_target(target, person_key_id, old=old, new=new, former=former, done=done, using=using)
        key.save(using=using, update_fields=["wrapped_key", "root_key_id", "generation"])
        keycache.forget(cache_key)
        transaction.on_commit(lambda: keycache.forget(cache_key), using=using)
    return done


def _reseal_target(
    target: Target,
    person_key_id: uuid.UUID,
    *,
    old: crypto.Sealer,
    new: crypto.Sealer,
    former: _FormerKeys,
    done: Rekeyed,
    using: str,
) -> None:
    model = target.model
    attnames = target.attnames()
    pk_attname = model._meta.pk.attname
    rows = (
        model._base_manager.using(using)
        .filter(**{target.lookup: person_key_id})
        .order_by()
        .values_list(pk_attname, target.row_id_attname(), *attnames)
    )
    changed: list[list[object]] = []
    for pk, row_id, *envelopes in rows.iterator(chunk_size=WRITE_BATCH):
        resealed: list[object] = [pk]
        for sealed_field, envelope in zip(target.fields, envelopes, strict=True):
            if envelope is None:
                resealed.append(None)
                continue
            context = sealed_field.context_for(row_id)
            try:
                plaintext = old.open(envelope, context=context)
            except (WrongKeyError, TamperedError):
                where = f"{model._meta.db_table}.{sealed_field.column}:{pk}"
                plaintext = former.open(envelope, context=context, where=where)
                done.repaired.append(where)
            resealed.append(new.seal(plaintext, context=context))
            done.values += 1
        changed.append(resealed)
        if len(changed) >= WRITE_BATCH:
            update_rows(model, attnames, changed, using=using)
            done.rows += len(changed)
            changed = []
    update_rows(model, attnames, changed, using=using)
    done.rows += len(changed)


class _FormerKeys:
    """The keys of the people merged into a person, unwrapped only if a value needs them."""

    def __init__(self, person_key_id: uuid.UUID, *, using: str) -> None:
        self.person_key_id = person_key_id
        self.using = using
        self._sealers: list[crypto.Sealer] | None = None

    def open(self, envelope: str, *, context: str, where: str) -> bytes:
        if self._sealers is None:
            self._sealers = self._load()
        for sealer in self._sealers:
            try:
                return sealer.open(envelope, context=context)
            except (WrongKeyError, TamperedError):
                continue
        raise RekeyError(
            f"{where} opens with none of the keys that could have sealed it; nothing was re-keyed."
        )

    def _load(self) -> list[crypto.Sealer]:
        ids = merged_person_keys(self.person_key_id, using=self.using)
        keys = (
            PersonKey.objects.using(self.using)
            .select_for_update()
            .filter(pk__in=ids, shredded_at__isnull=True)
            .order_by("pk")
        )
        return [key.sealer_for(key.unwrap()) for key in keys]


def merged_person_keys(person_key_id: uuid.UUID, *, using: str | None = None) -> set[uuid.UUID]:
    """The person keys of every record merged into this person, directly or through another merge."""
    found: set[uuid.UUID] = set()
    frontier = {person_key_id}
    while frontier:
        step: set[uuid.UUID] = set()
        for model in person_models():
            merged = model.vault_merged_into
            if not merged:
                continue
            step.update(
                model._base_manager.using(using)
                .filter(**{f"{merged}__person_key_id__in": frontier})
                .values_list("person_key_id", flat=True)
            )
        frontier = step - found - {person_key_id}
        found |= frontier
    return found


def person_models() -> list[type[VaultPerson]]:
    return [m for m in apps.get_models() if issubclass(m, VaultPerson)]


# --- every person, in batches ------------------------------------------------------------------
def bulk_rekey(
    *,
    batch_size: int = 200,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> RekeyRun:
    """Re-key every live person, continuing the unfinished run if there is one.

    Each batch is one transaction: its people are re-keyed and the run's place (the last person
    key id done, by id) is saved together, so an interrupted run re-keys nobody twice and
    nobody is skipped. People shredded meanwhile are left out; people registered after the run
    started may be left out too, as their key is new anyway. Keys unwrapped in a batch are
    forgotten when it ends. A person whose values cannot all be opened is rolled back alone and
    listed in ``RekeyRun.failed``; the run goes on.
    """
    run = current_run() or RekeyRun.objects.create()
    live = PersonKey.objects.live()
    total = live.count()
    batches = 0
    while max_batches is None or batches < max_batches:
        with key_cache(), transaction.atomic():
            run = RekeyRun.objects.select_for_update().get(pk=run.pk)
            if run.finished_at is not None:
                break
            page = live.order_by("pk")
            if run.after is not None:
                page = page.filter(pk__gt=run.after)
            ids = list(page.values_list("pk", flat=True)[:batch_size])
            if not ids:
                run.finished_at = timezone.now()
                run.save(update_fields=["finished_at"])
                break
            failed = list(run.failed)
            for person_key_id in ids:
                try:
                    with transaction.atomic():
                        rekey_person(person_key_id)
                except VaultError as error:
                    failed.append({"person_key": str(person_key_id), "error": str(error)})
            run.after = ids[-1]
            run.done += len(ids)
            run.failed = failed
            run.save(update_fields=["after", "done", "failed"])
        batches += 1
        if progress is not None:
            progress(run.done, total)
    return run


def current_run() -> RekeyRun | None:
    """The re-keying run started and not finished, if any."""
    return RekeyRun.objects.filter(finished_at__isnull=True).order_by("started_at").first()
