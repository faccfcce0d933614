"""Viewsets and serializers for records whose responses may hold sealed text about a person."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kem.api.errors import service_errors
from kem.services.access_log import Access, access_record_many, role_at


class SealedFieldsSerializer(serializers.Serializer):
    """Leaves out the fields in ``sealed`` (absent, not null) unless the context's
    ``may_read_sealed(instance)`` allows them: their values are not even opened otherwise."""

    sealed: ClassVar[Collection[str]] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        allowed = self.context["may_read_sealed"](instance)
        data: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name in self.sealed and not allowed:
                continue
            value = field.get_attribute(instance)
            data[name] = None if value is None else field.to_representation(value)
        return data


class SealedResponseMixin:
    """List, retrieve, create and act on records; every response goes through ``_read``, which
    serialises and records in one INSERT which sealed fields each response held.

    Subclasses set ``response_serializer`` (a :class:`SealedFieldsSerializer`), ``sealed_fields``
    (serializer field -> field name in the access log) and ``read_action``, and define
    ``may_read_sealed`` and ``fresh``; or, where the policy decides field by field (a session's
    summary and note), override ``_read`` altogether.
    """

    response_serializer: ClassVar[type]
    sealed_fields: ClassVar[dict[str, str]]
    read_action: ClassVar[str]

    def may_read_sealed(self, obj: Any) -> bool:
        raise NotImplementedError

    def fresh(self, obj: Any) -> Any:
        """``obj`` fetched again through the user's scoped selector."""
        raise NotImplementedError

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._read(page))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._read([self.get_object()])[0])

    def _create(self, payload_serializer: type[serializers.Serializer], service: Any) -> Response:
        """Create, through ``service``, a record about the person in the payload's ``beneficiary``
        at the centre that registered them; answer 201 with it as the caller may now see it."""
        payload = payload_serializer(data=self.request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = data.pop("beneficiary")
        created = self._acted(service, beneficiary=person, centre=person.registering_centre, **data)
        return Response(created, status=status.HTTP_201_CREATED)

    def _act(self, service: Any, /, **kwargs: Any) -> Response:
        """Run a service action and answer with the record as the caller may now see it."""
        return Response(self._acted(service, **kwargs))

    def _acted(self, service: Any, /, **kwargs: Any) -> dict[str, Any]:
        # ``service`` is positional only: a payload may hold a field of that name (a referral's).
        try:
            changed = service(by=self.request.user, **kwargs)
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return self._read([self.fresh(changed)])[0]

    def _read(self, objects: list[Any]) -> list[dict[str, Any]]:
        data = self.response_serializer(
            objects, many=True, context={"may_read_sealed": self.may_read_sealed}
        ).data
        accesses = [
            Access(
                subject=obj.beneficiary,
                fields=[logged for name, logged in self.sealed_fields.items() if shown.get(name)],
                centre_id=obj.centre_id,
                role=role_at(self.request.user, obj.centre_id),
            )
            for obj, shown in zip(objects, data, strict=True)
            if any(shown.get(name) for name in self.sealed_fields)
        ]
        access_record_many(
            user=self.request.user, action=self.read_action, accesses=accesses, request=self.request
        )
        return data
