"""Key material and blind indexes of the vault, and the abstract bases for models with sealed fields.

The tables of the vault app (label ``vault``, tables ``kem_vault_*``). None of
them has history: a historical copy of a wrapped key would survive shredding.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.vault import crypto, keycache
from kem.vault.errors import ShreddedError
from kem.vault.keyring import root_keyring

SEALER_ATTR = "_vault_sealer"
OPENED_ATTR = "_vault_opened"
LOADED_ATTR = "_vault_loaded"


class PersonKeyQuerySet(models.QuerySet["PersonKey"]):
    def live(self) -> PersonKeyQuerySet:
        return self.filter(shredded_at__isnull=True)

    def wrapped_by_old_root_keys(self) -> PersonKeyQuerySet:
        return self.live().exclude(root_key_id=root_keyring().current.kid)


class PersonKey(models.Model):
    """One person's random data key, stored only wrapped (sealed) under a root key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # NULL, not "", once shredded: there is no key, not an empty one.
    wrapped_key = models.TextField(_("wrapped key"), null=True, editable=False)  # noqa: DJ001
    # Indexed with the id (Meta.indexes): root rotation pages through one root key's rows by id.
    root_key_id = models.CharField(_("root key id"), max_length=16, editable=False)
    # Which data key of the person this is: 1, then one more after every re-key. Envelopes name
    # it (``g<generation>``) instead of anything derived from the key, so they cannot be linked.
    generation = models.PositiveIntegerField(_("key generation"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    shredded_at = models.DateTimeField(_("shredded"), null=True, blank=True, editable=False)

    objects = PersonKeyQuerySet.as_manager()

    class Meta:
        db_table = "kem_vault_personkey"
        verbose_name = _("person key")
        verbose_name_plural = _("person keys")
        indexes = [models.Index(fields=["root_key_id", "id"], name="kem_vault_pkey_root_id")]

    def __str__(self) -> str:
        return f"person key {self.pk}"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop(SEALER_ATTR, None)
        return state

    @property
    def wrap_context(self) -> str:
        return f"{self._meta.db_table}:{self.pk}"

    @property
    def is_shredded(self) -> bool:
        return self.shredded_at is not None

    def wrap(self, data_key: bytes) -> None:
        """Store ``data_key`` wrapped under the newest root key (does not save)."""
        ring = root_keyring()
        self.wrapped_key = ring.current.seal(data_key, context=self.wrap_context)
        self.root_key_id = ring.current.kid
        self.__dict__[SEALER_ATTR] = self.sealer_for(data_key)

    @property
    def label(self) -> str:
        """How envelopes sealed with this key name it."""
        return f"g{self.generation}"

    def sealer_for(self, data_key: bytes) -> crypto.Sealer:
        return crypto.Sealer.for_key(data_key, info=crypto.INFO_SEAL, label=self.label)

    def unwrap(self) -> bytes:
        """The data key; raises ShreddedError once shredded, UnknownKeyError if its root key is gone."""
        if self.is_shredded or self.wrapped_key is None:
            raise ShreddedError(f"Person key {self.pk} was shredded.")
        return root_keyring().open(self.wrapped_key, context=self.wrap_context)

    def sealer(self) -> crypto.Sealer:
        """The sealer of this person's values, unwrapped once per object."""
        if SEALER_ATTR not in self.__dict__:
            self.__dict__[SEALER_ATTR] = self.sealer_for(self.unwrap())
        sealer: crypto.Sealer = self.__dict__[SEALER_ATTR]
        return sealer

    def shred(self) -> None:
        """Destroy the key material (does not save)."""
        self.wrapped_key = None
        self.root_key_id = ""
        self.shredded_at = timezone.now()
        self.__dict__.pop(SEALER_ATTR, None)


class RekeyRun(models.Model):
    """One run of re-keying every person (``vault_rekey --all``): where it is, so it can resume."""

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The last person key re-keyed, by id: the next batch starts after it.
    after = models.UUIDField(_("last person key done"), null=True, blank=True, editable=False)
    done = models.PositiveIntegerField(_("people done"), default=0, editable=False)
    # [{"person_key": id, "error": message naming a table, column and row}]
    failed = models.JSONField(_("people not re-keyed"), default=list, blank=True, editable=False)

    class Meta:
        db_table = "kem_vault_rekeyrun"
        verbose_name = _("re-keying run")
        verbose_name_plural = _("re-keying runs")

    def __str__(self) -> str:
        return f"re-keying run {self.pk}"


class IndexKeyState(models.TextChoices):
    BUILDING = "building", _("building")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class VersionedRootWrappedKey(models.Model):
    """Abstract base of a versioned key stored only wrapped under a root key (index, pseudonym)."""

    version = models.PositiveSmallIntegerField(_("version"), primary_key=True)
    wrapped_key = models.TextField(_("wrapped key"), editable=False)
    root_key_id = models.CharField(_("root key id"), max_length=16, db_index=True, editable=False)

    class Meta:
        abstract = True

    @property
    def wrap_context(self) -> str:
        return f"{self._meta.db_table}:{self.version}"

    def wrap(self, key: bytes) -> None:
        ring = root_keyring()
        self.wrapped_key = ring.current.seal(key, context=self.wrap_context)
        self.root_key_id = ring.current.kid

    def unwrap(self) -> bytes:
        return root_keyring().open(self.wrapped_key, context=self.wrap_context)


class IndexKey(VersionedRootWrappedKey):
    """A versioned blind-index key, wrapped under a root key. Searches use the active version."""

    state = models.CharField(_("state"), max_length=10, choices=IndexKeyState.choices)
    progress = models.JSONField(_("re-indexing progress"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "kem_vault_indexkey"
        verbose_name = _("blind-index key")
        verbose_name_plural = _("blind-index keys")

    def __str__(self) -> str:
        return f"index key v{self.version} ({self.state})"


class PseudonymKey(VersionedRootWrappedKey):
    """The key of the pseudonyms of statistical facts (``kem.vault.pseudonyms``), wrapped under a
    root key. One row; it is never rotated, because the facts of past periods must keep their
    pseudonyms. Backed up with the key backups, not the data backups."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "kem_vault_pseudonymkey"
        verbose_name = _("pseudonym key")
        verbose_name_plural = _("pseudonym keys")

    def __str__(self) -> str:
        return f"pseudonym key v{self.version}"


class BlindIndexEntry(models.Model):
    """One truncated keyed digest of one normalised term of one person."""

    person_key = models.ForeignKey(PersonKey, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveSmallIntegerField()
    field = models.CharField(max_length=48)
    kind = models.CharField(max_length=3)
    digest = models.IntegerField()

    class Meta:
        db_table = "kem_vault_blindindexentry"
        indexes = [
            models.Index(
                fields=["field", "kind", "digest", "version", "person_key"], name="kem_vault_bidx_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}/{self.kind} v{self.version}"


class IndexTally(models.Model):
    """How many people one smoothed blind-index term was counted for, sealed under the index key.

    ``tag`` is a full HMAC of the term under a key of its own, unrelated to the entries' digests;
    ``count`` is sealed. A dump shows how many distinct terms there are, not how common any is.
    """

    version = models.PositiveSmallIntegerField()
    tag = models.CharField(max_length=64)
    count = models.TextField()

    class Meta:
        db_table = "kem_vault_indextally"
        constraints = [models.UniqueConstraint(fields=["version", "tag"], name="kem_vault_tally_unique")]

    def __str__(self) -> str:
        return f"tally v{self.version}"


class SealedModel(models.Model):
    """Abstract base of every model with sealed fields.

    The primary key is a UUID made by the client, because the row id is part of each value's
    associated data and must be known before the INSERT. Subclasses name the person whose key
    seals their values in ``vault_owner``: a dotted path of attributes leading to a
    :class:`VaultPerson` (``"case.beneficiary"``), or ``"self"`` for a person model.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    vault_owner: ClassVar[str] = ""

    class Meta:
        abstract = True

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop(OPENED_ATTR, None)
        return state

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a save that seals a value first locks and re-checks its owner's person key.

        The lock (``SELECT … FOR UPDATE`` on the person-key row, the row ``shred`` locks) makes
        sealing and shredding take turns: a request or task that unwrapped the key before the
        person was shredded cannot seal anything under it afterwards (``ShreddedError``), and
        one that unwrapped it before a re-key seals under the new key (and re-reads the
        envelopes it holds from before). A save that seals nothing leaves the envelope columns it
        read unchanged out of the UPDATE, so it cannot write back envelopes a re-key replaced.
        """
        from kem.vault.fields import writes_sealed_values

        if not writes_sealed_values(self):
            self._leave_unchanged_envelopes_out(args, kwargs)
            super().save(*args, **kwargs)
        else:
            using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
            with transaction.atomic(using=using):
                lock_owner_key(self, using=using)
                super().save(*args, **kwargs)
        self.__dict__[LOADED_ATTR] = {a: self.__dict__.get(a) for a in _sealed_attnames(type(self))}

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        """Remember the envelopes as read, to leave unchanged ones out of a later UPDATE."""
        instance = super().from_db(db, field_names, values)
        instance.__dict__[LOADED_ATTR] = {
            attname: instance.__dict__.get(attname) for attname in _sealed_attnames(cls)
        }
        return instance

    def _leave_unchanged_envelopes_out(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        loaded = self.__dict__.get(LOADED_ATTR)
        if (
            not loaded
            or args
            or self._state.adding
            or kwargs.get("update_fields") is not None
            or kwargs.get("force_insert")
        ):
            return
        unchanged = {attname for attname, raw in loaded.items() if self.__dict__.get(attname) == raw}
        if not unchanged:
            return
        skip = unchanged | self.get_deferred_fields()  # deferred: Django writes only loaded fields
        fields = [
            f.name
            for f in self._meta.concrete_fields
            if not (f.primary_key or f.generated or f.attname in skip)
        ]
        if fields:
            kwargs["update_fields"] = fields


@functools.cache
def _sealed_attnames(model: type[models.Model]) -> tuple[str, ...]:
    from kem.vault.fields import SealedField

    return tuple(
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, SealedField) and not f._is_history_copy()
    )


def update_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]], *, using: str
) -> None:
    """``UPDATE`` columns of rows by primary key: ``rows`` are ``(pk, value, …)`` in ``attnames`` order.

    One statement run for many parameter sets (``executemany``; psycopg pipelines it): about
    five times faster than ``bulk_update``, whose CASE expressions cost more to build in Python
    than to run. Values are written as given: no ``pre_save``, no signals, no history.
    """
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [field for attname in attnames if isinstance(field := meta.get_field(attname), models.Field)]
    pk = meta.pk
    assert pk is not None and len(fields) == len(attnames)
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(pk.column))} = %s"  # noqa: S608
    params = [
        [
            *(f.get_db_prep_value(v, connection) for f, v in zip(fields, values, strict=True)),
            pk.get_db_prep_value(row_pk, connection),
        ]
        for row_pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def lock_owner_key(instance: models.Model, *, using: str | None = None) -> None:
    """Lock the person key that seals ``instance``'s values and check it is still the one to use.

    Raises ``ShreddedError`` if the person was shredded. If the person was re-keyed since their
    key was unwrapped in this request, the remembered key is dropped and the new one read.
    """
    from kem.vault.fields import owner_person

    person = owner_person(instance)
    person_key_id = person.person_key_id
    if person_key_id is None:
        return  # a person being created: their key is made in this transaction
    row = (
        PersonKey.objects.using(using)
        .select_for_update()
        .filter(pk=person_key_id)
        .values_list("shredded_at", "generation")
        .first()
    )
    if row is None or row[0] is not None:
        keycache.forget(("person", person_key_id))
        raise ShreddedError(f"Person key {person_key_id} was shredded: nothing can be sealed under it.")
    cached = keycache.peek(("person", person_key_id))
    known = person._state.fields_cache.get("person_key") if hasattr(person, "_state") else None
    stale = (cached is not None and cached.kid != f"g{row[1]}") or (
        known is not None and known.generation != row[1]
    )
    if stale:
        keycache.forget(("person", person_key_id))
        person.person_key = PersonKey.objects.using(using).get(pk=person_key_id)
    if not instance._state.adding:
        _reload_envelopes_of_other_keys(instance, label=f"g{row[1]}", using=using)


def _reload_envelopes_of_other_keys(instance: models.Model, *, label: str, using: str | None) -> None:
    """Replace unchanged envelopes read before a re-key by the row's current ones.

    A record read before its owner was re-keyed holds envelopes of the old key, which no longer
    exists once the re-key commits; saving them back would make those values unreadable. Fields
    being changed are sealed afresh anyway; the others are read again under the lock.
    """
    from kem.vault.fields import Pending, SealedField

    stale = []
    for field in instance._meta.concrete_fields:
        if not isinstance(field, SealedField) or field._is_history_copy():
            continue
        raw = instance.__dict__.get(field.attname)
        if not isinstance(raw, str) or raw.split(":")[1:2] == [label]:
            continue
        pending = field._pending_if_mutated(instance, raw)
        if isinstance(pending, Pending):
            instance.__dict__[field.attname] = pending  # changed in place: sealed under the new key
        else:
            stale.append(field.attname)
    if stale:
        current = type(instance)._base_manager.using(using).filter(pk=instance.pk).values(*stale).first()
        if current is not None:
            instance.__dict__.update(current)


class VaultPersonQuerySet(models.QuerySet[Any]):
    def not_shredded(self) -> VaultPersonQuerySet:
        return self.filter(person_key__shredded_at__isnull=True)


_VaultPersonManagerBase = models.Manager.from_queryset(VaultPersonQuerySet)


class VaultPersonManager(_VaultPersonManagerBase[Any]):
    """Fetches the person key with every row, so a page of people costs no extra queries."""

    def get_queryset(self) -> VaultPersonQuerySet:
        queryset = super().get_queryset().select_related("person_key")
        assert isinstance(queryset, VaultPersonQuerySet)
        return queryset


class VaultPerson(SealedModel):
    """Abstract base of a person: owns a data key and blind indexes (``vault_indexes``).

    ``save()`` creates the person key on first save and rewrites the blind-index entries of
    changed indexed fields in the same transaction as the row.
    """

    person_key = models.OneToOneField(
        PersonKey, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("person key")
    )

    vault_owner: ClassVar[str] = "self"
    vault_indexes: ClassVar[tuple[Any, ...]] = ()
    # The foreign key to the record this one was merged into, if the model has merges: re-keying
    # the survivor may meet history rows still sealed under a merged record's key.
    vault_merged_into: ClassVar[str] = ""

    objects = VaultPersonManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        from kem.vault import blind

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            if self.person_key_id is None:
                self.person_key = new_person_key(using=using)
            reindex = self._state.adding or blind.indexed_fields_changed(self)
            super().save(*args, **kwargs)
            if reindex:
                blind.index_person(self, using=using)

    @property
    def is_shredded(self) -> bool:
        return self.person_key.is_shredded

    @classmethod
    def vault_bulk_created(cls, people: Sequence[VaultPerson], *, using: str | None = None) -> None:
        """Called by ``people_bulk_create`` after the rows and their indexes are written: what a
        person model writes beside its rows in ``save()`` (such as statistical facts)."""


def new_person_key(*, using: str | None = None) -> PersonKey:
    """Create and save a fresh person key."""
    person_key = PersonKey()
    person_key.wrap(crypto.new_key())
    person_key.save(using=using)
    return person_key
