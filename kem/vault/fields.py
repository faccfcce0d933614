"""Sealed model fields: plaintext in Python, an envelope (see ``crypto``) in the database.

``instance.<name>`` is the plaintext, opened lazily on first access and remembered on the
instance; ``instance.<name>_sealed`` is the raw envelope (what the column holds). Values are sealed
in ``pre_save`` with the key of the model's ``vault_owner`` and bound to table, column and row id.
django-simple-history copies ``<name>_sealed``, so historical rows hold the same envelopes;
``record.instance.<name>`` opens them.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core import validators
from django.db import models

from kem.vault import keycache
from kem.vault.crypto import Sealer
from kem.vault.errors import MissingKeyError, SealedLookupError, VaultError
from kem.vault.models import OPENED_ATTR

SUFFIX = "_sealed"


class Pending:
    """A plaintext assigned but not yet sealed. Its repr never shows the value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<unsealed value>"

    __str__ = __repr__


class SealedDescriptor:
    """``instance.<name>``: open the envelope on first read; assignment marks a value to seal."""

    def __init__(self, field: SealedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        raw = getattr(instance, self.field.attname)
        if raw is None or isinstance(raw, Pending):
            return None if raw is None else raw.value
        opened = instance.__dict__.setdefault(OPENED_ATTR, {})
        hit = opened.get(self.field.name)
        if hit is None or hit[0] != raw:
            value = self.field.decode(owner_sealer(instance).open(raw, context=self.field.context(instance)))
            hit = opened[self.field.name] = (raw, value, self.field.snapshot(value))
        return hit[1]

    def __set__(self, instance: models.Model, value: Any) -> None:
        setattr(instance, self.field.attname, None if value is None else Pending(value))


def owner_person(instance: models.Model) -> Any:
    """The person (a ``VaultPerson`` or a historical copy of one) whose key seals ``instance``."""
    owner = instance
    path = getattr(type(instance), "vault_owner", "")
    if not path:
        raise MissingKeyError(f"{type(instance).__name__} has sealed fields but no vault_owner.")
    if path != "self":
        for attribute in path.split("."):
            owner = getattr(owner, attribute)
            if owner is None:
                raise MissingKeyError(f"{type(instance).__name__}.{path} is empty: no key to use.")
    return owner


def owner_sealer(instance: models.Model) -> Sealer:
    """The sealer of the person who owns ``instance`` (its ``vault_owner``), cached per request."""
    person = owner_person(instance)
    if person.person_key_id is None:
        raise MissingKeyError(f"{type(person).__name__} {person.pk} has no person key yet.")
    sealer: Sealer = keycache.remembered(("person", person.person_key_id), lambda: person.person_key.sealer())
    return sealer


def writes_sealed_values(instance: models.Model) -> bool:
    """Whether saving ``instance`` now would seal a value (a newly assigned or changed one)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, SealedField) and not field._is_history_copy():
            raw = instance.__dict__.get(field.attname)
            if isinstance(raw, Pending) or isinstance(field._pending_if_mutated(instance, raw), Pending):
                return True
    return False


def sealed_value_changed(instance: models.Model, name: str) -> bool:
    """Whether sealed field ``name`` holds a value assigned or changed in place since it was read."""
    field = instance._meta.get_field(name)
    assert isinstance(field, SealedField)
    raw = instance.__dict__.get(field.attname)
    return isinstance(raw, Pending) or isinstance(field._pending_if_mutated(instance, raw), Pending)


class SealedField(models.TextField):  # type: ignore[type-arg]
    """Base of the sealed fields; a ``text`` column holding an envelope, or NULL for None."""

    description = "A value sealed with its owner's person key"

    def get_attname(self) -> str:
        return self.name if self._is_history_copy() else f"{self.name}{SUFFIX}"

    def get_attname_column(self) -> tuple[str, str]:
        base = getattr(self, "_sealed_name", None) if self._is_history_copy() else self.name
        return self.get_attname(), str(self.db_column or base)

    def _is_history_copy(self) -> bool:
        """A copy made by django-simple-history: it is named after the original's attname."""
        base = getattr(self, "_sealed_name", None)
        return base is not None and self.name == f"{base}{SUFFIX}"

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        if not self._is_history_copy():
            self._sealed_name = self.name
            setattr(cls, self.name, SealedDescriptor(self))

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        column = getattr(self, "column", None)
        if column and column != name:
            kwargs["db_column"] = column
        return name, path, args, kwargs

    # --- values ---------------------------------------------------------------------------
    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return data.decode("utf-8")

    def snapshot(self, value: Any) -> Any:
        """What to compare at save time to notice in-place changes (mutable values only)."""
        return None

    def context(self, instance: models.Model) -> str:
        """Associated data: the table, column and row a value belongs to."""
        if instance.pk is None:
            raise MissingKeyError(f"{type(instance).__name__} needs its UUID primary key before sealing.")
        return self.context_for(instance.pk)

    def context_for(self, pk: Any) -> str:
        """The associated data of this field's value in the row ``pk`` (of the original table)."""
        return f"{self.model._meta.db_table}.{self.column}:{pk}"

    def get_default(self) -> Any:
        value = super().get_default()
        return None if value is None else Pending(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = getattr(model_instance, self.attname)
        if self._is_history_copy():
            return raw
        if not isinstance(raw, Pending):
            raw = self._pending_if_mutated(model_instance, raw)
        if isinstance(raw, Pending):
            raw = self._seal(model_instance, raw.value)
        return raw

    def _seal(self, instance: models.Model, value: Any) -> str | None:
        if value is None:
            envelope = None
        else:
            envelope = owner_sealer(instance).seal(self.encode(value), context=self.context(instance))
            instance.__dict__.setdefault(OPENED_ATTR, {})[self.name] = (envelope, value, self.snapshot(value))
        setattr(instance, self.attname, envelope)
        return envelope

    def _pending_if_mutated(self, instance: models.Model, raw: Any) -> Any:
        hit = instance.__dict__.get(OPENED_ATTR, {}).get(self.name)
        if hit is not None and hit[0] == raw and hit[2] is not None and self.snapshot(hit[1]) != hit[2]:
            return Pending(hit[1])
        return raw

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Pending):
            raise VaultError(f"{self.model.__name__}.{self.name} reached the database unsealed.")
        return value

    def to_python(self, value: Any) -> Any:
        return value

    def value_from_object(self, obj: models.Model) -> Any:
        """The plaintext (forms and the admin show it); the raw envelope is ``<name>_sealed``."""
        return getattr(obj, self.name)

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        """Validate a newly assigned plaintext; envelopes were validated when they were assigned."""
        if not isinstance(value, Pending):
            return value
        plain = self.to_python(value.value)
        self.validate(plain, model_instance)
        self.run_validators(plain)
        return Pending(plain)

    # --- queries --------------------------------------------------------------------------
    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise SealedLookupError(
            f"{self.model.__name__}.{self.name} is sealed: the database cannot compare it "
            f"({lookup_name!r}). Only __isnull works; search people with kem.vault.search."
        )

    def get_transform(self, lookup_name: str) -> Any:
        return None


class SealedTextField(SealedField):
    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field | None:
        if form_class is not None:
            kwargs["form_class"] = form_class
        if choices_form_class is not None:
            kwargs["choices_form_class"] = choices_form_class
        return super().formfield(**{"widget": forms.Textarea, **kwargs})


class SealedCharField(SealedField):
    """Sealed short text; ``max_length`` limits the plaintext (the column is ``text``)."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        kwargs["max_length"] = max_length
        super().__init__(*args, **kwargs)
        self.validators.append(validators.MaxLengthValidator(max_length))

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field | None:
        return models.Field.formfield(
            self,
            form_class or forms.CharField,
            choices_form_class,
            **{"max_length": self.max_length, **kwargs},
        )


class SealedDateField(SealedField):
    def encode(self, value: Any) -> bytes:
        day: datetime.date = self.to_python(value)
        return day.isoformat().encode("ascii")

    def decode(self, data: bytes) -> datetime.date:
        return datetime.date.fromisoformat(data.decode("ascii"))

    def to_python(self, value: Any) -> Any:
        return models.DateField().to_python(value)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field | None:
        return models.Field.formfield(self, form_class or forms.DateField, choices_form_class, **kwargs)


class SealedJSONField(SealedField):
    """Sealed JSON (a dict or a list); changing it in place is noticed at save time.

    ``pad_to`` (bytes) pads every value with spaces to that length before sealing, so that
    envelopes of one column all have the same length: without it, the envelope's length tells an
    empty list from a long one (the cipher pads to 16 bytes only). Values longer than ``pad_to``
    are padded to the next multiple of it.
    """

    def __init__(self, *args: Any, pad_to: int | None = None, **kwargs: Any) -> None:
        self.pad_to = pad_to
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.pad_to is not None:
            kwargs["pad_to"] = self.pad_to
        return name, path, args, kwargs

    def encode(self, value: Any) -> bytes:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
        if self.pad_to:
            width = max(1, -(-len(data) // self.pad_to)) * self.pad_to
            data = data.ljust(width, b" ")
        return data

    def decode(self, data: bytes) -> Any:
        return json.loads(data)

    def snapshot(self, value: Any) -> Any:
        return self.encode(value)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field | None:
        return models.Field.formfield(self, form_class or forms.JSONField, choices_form_class, **kwargs)


class SealedBooleanField(SealedField):
    """A sealed yes/no; both answers seal to envelopes of the same length."""

    def encode(self, value: Any) -> bytes:
        return b"1" if self.to_python(value) else b"0"

    def decode(self, data: bytes) -> bool:
        return data == b"1"

    def to_python(self, value: Any) -> Any:
        return models.BooleanField().to_python(value)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field | None:
        return models.Field.formfield(
            self, form_class or forms.BooleanField, choices_form_class, **{"required": False, **kwargs}
        )
