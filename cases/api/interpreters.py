"""REST API for interpreter requests: list, retrieve, create, and book / cancel / complete / no-show.

The same rules as the pages, through the same selectors and services: requests of the centres
where the caller books interpreters (front desk, counsellors, manager); another centre's request
is a 404, a role that may not book gets 403. The sealed ``notes`` and ``gender_reason`` appear
only for callers allowed to read them (absent, not null, otherwise) and every response holding
them leaves one access event per request (``api.interpreter_request.read``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from cases.models import (
    GenderPreference,
    Interpreter,
    InterpreterRequest,
    InterpretingMode,
    Language,
    RequestStatus,
)
from cases.models import Session as CounsellingSession
from cases.policy import may_book_interpreters
from cases.selectors import interpreters as selectors
from cases.services import interpreters as services
from kem.api.sealed import SealedFieldsSerializer, SealedResponseMixin
from kem.models import Beneficiary
from kem.selectors.beneficiaries import beneficiaries_visible_to

READ_ACTION = "api.interpreter_request.read"
SEALED_FIELDS = ("notes", "gender_reason")
# As the access log names them (the subject of an event is the person).
LOGGED_AS = {"notes": "interpreter_request.notes", "gender_reason": "interpreter_request.gender_reason"}


# --- what the API returns ----------------------------------------------------------------------


class InterpreterRequestSerializer(SealedFieldsSerializer):
    """A request as the API returns it; ``notes`` and ``gender_reason`` only where the caller may
    read them (the view passes ``may_read_sealed(request) -> bool`` in the context)."""

    sealed = SEALED_FIELDS

    id = serializers.UUIDField(read_only=True)
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    beneficiary = serializers.UUIDField(source="beneficiary_id", read_only=True)
    language = serializers.IntegerField(source="language_id", read_only=True)
    mode = serializers.ChoiceField(choices=InterpretingMode.choices, read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    gender_preference = serializers.ChoiceField(choices=GenderPreference.choices, read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    interpreter = serializers.IntegerField(source="interpreter_id", read_only=True, allow_null=True)
    cancel_reason = serializers.CharField(read_only=True)
    reminder_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    # Not read-only so that the schema does not call them required: they may be absent.
    notes = serializers.CharField(
        required=False,
        help_text=gettext_lazy("Sealed; only for those who book at the centre."),
    )
    gender_reason = serializers.CharField(
        required=False,
        help_text=gettext_lazy("Sealed; only for those who book at the centre."),
    )


# --- what the API accepts ----------------------------------------------------------------------


class InterpreterRequestCreateSerializer(serializers.Serializer):
    beneficiary = serializers.UUIDField(help_text=gettext_lazy("The person, registered at your centre."))
    language = serializers.IntegerField(help_text=gettext_lazy("An active language's id."))
    mode = serializers.ChoiceField(choices=InterpretingMode.choices, default=InterpretingMode.ON_SITE)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=services.MIN_DURATION, max_value=services.MAX_DURATION
    )
    gender_preference = serializers.ChoiceField(
        choices=GenderPreference.choices, default=GenderPreference.ANY
    )
    gender_reason = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    session = serializers.UUIDField(
        required=False, allow_null=True, help_text=gettext_lazy("An appointment of the person to link.")
    )

    def validate_beneficiary(self, value: Any) -> Beneficiary:
        person = beneficiaries_visible_to(self.context["request"].user).filter(pk=value).first()
        if person is None:
            raise serializers.ValidationError(_("No such person at your centres."), code="unknown_person")
        return person

    def validate_language(self, value: int) -> Language:
        language = Language.objects.filter(pk=value).first()
        if language is None:
            raise serializers.ValidationError(_("No such language."), code="unknown_language")
        return language

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("session"):
            session = (
                CounsellingSession.objects.select_related("case")
                .filter(
                    pk=data["session"],
                    case__centre__in=selectors.booking_centres(self.context["request"].user),
                )
                .first()
            )
            if session is None:
                raise serializers.ValidationError(
                    {
                        "session": [
                            ErrorDetail(_("No such appointment at your centres."), code="unknown_session")
                        ]
                    }
                )
            data["session"] = session
        return data


class BookSerializer(serializers.Serializer):
    interpreter = serializers.IntegerField(help_text=gettext_lazy("An interpreter of the request's centre."))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


# --- the viewset -------------------------------------------------------------------------------


class BooksInterpreters(BasePermission):
    """Only roles that book interpreters somewhere (front desk, counsellors, managers) use this API."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.booking_centres(request.user).exists()


ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages and codes."))}


class InterpreterRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)


@extend_schema_view(
    create=extend_schema(
        request=InterpreterRequestCreateSerializer, responses={201: InterpreterRequestSerializer, **ERRORS}
    ),
)
class InterpreterRequestViewSet(
    SealedResponseMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Interpreter requests of the caller's centres; every response with sealed text is traced."""

    response_serializer = InterpreterRequestSerializer
    sealed_fields = LOGGED_AS
    read_action = READ_ACTION

    serializer_class = InterpreterRequestSerializer
    filterset_class = InterpreterRequestFilter
    permission_classes = [IsAuthenticated, BooksInterpreters]
    queryset = InterpreterRequest.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.interpreter_request_list(user=self.request.user)

    def get_object(self) -> InterpreterRequest:
        # 404 for another centre's request, 403 for a role there that may not book.
        return selectors.interpreter_request_for(self.request.user, self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._create(InterpreterRequestCreateSerializer, services.interpreter_request_create)

    @extend_schema(request=BookSerializer, responses={200: InterpreterRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def book(self, request: Request, pk: Any = None) -> Response:
        """Book an interpreter of the centre's pool (refused with a code for each reason)."""
        interpreter_request = self.get_object()
        payload = BookSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        interpreter = Interpreter.objects.filter(
            pk=payload.validated_data["interpreter"], centre_id=interpreter_request.centre_id
        ).first()
        if interpreter is None:
            raise serializers.ValidationError(
                {
                    "interpreter": [
                        ErrorDetail(_("No such interpreter at this centre."), code="unknown_interpreter")
                    ]
                }
            )
        return self._act(services.interpreter_book, request=interpreter_request, interpreter=interpreter)

    @extend_schema(request=CancelSerializer, responses={200: InterpreterRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """Cancel a requested or booked request; ``reason`` is required."""
        interpreter_request = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._act(
            services.interpreter_request_cancel,
            request=interpreter_request,
            reason=payload.validated_data["reason"],
        )

    @extend_schema(request=None, responses={200: InterpreterRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """The interpreting took place (a booked request whose time has come)."""
        return self._act(services.interpreter_request_complete, request=self.get_object())

    @extend_schema(request=None, responses={200: InterpreterRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="no-show", url_name="no-show")
    def no_show(self, request: Request, pk: Any = None) -> Response:
        """The appointment did not take place (a booked request whose time has come)."""
        return self._act(services.interpreter_request_no_show, request=self.get_object())

    def fresh(self, obj: InterpreterRequest) -> InterpreterRequest:
        return selectors.interpreter_request_for(self.request.user, obj.pk)

    def may_read_sealed(self, obj: InterpreterRequest) -> bool:
        return may_book_interpreters(self.request.user, obj.centre_id)


def register(router: DefaultRouter) -> None:
    router.register("interpreter-requests", InterpreterRequestViewSet, basename="interpreter-request")
