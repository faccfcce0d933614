"""Viewset behaviour for records whose responses may hold sealed text about a person."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.response import Response

from kem.api.errors import service_errors
from kem.services.access_log import Access, access_record_many, role_at


class SealedResponseMixin:
    """Serialise records, then record in one INSERT which sealed fields each response held; run a
    service action and answer with the record as the caller may now see it.

    Subclasses set ``response_serializer`` (it leaves a sealed field empty unless the context's
    ``may_read_sealed(obj)`` allows it), ``sealed_fields`` (serializer field -> field name in the
    access log) and ``read_action``, and define ``may_read_sealed`` and ``fresh``.
    """

    response_serializer: ClassVar[type]
    sealed_fields: ClassVar[dict[str, str]]
    read_action: ClassVar[str]

    def may_read_sealed(self, obj: Any) -> bool:
        raise NotImplementedError

    def fresh(self, obj: Any) -> Any:
        """``obj`` fetched again through the user's scoped selector."""
        raise NotImplementedError

    def _act(self, service: Any, **kwargs: Any) -> Response:
        try:
            changed = service(by=self.request.user, **kwargs)
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(self._read([self.fresh(changed)])[0])

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
