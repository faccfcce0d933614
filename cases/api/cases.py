"""REST API for cases and sessions: the same services, policy and scoping as the pages.

``/api/v1/cases/`` and ``/api/v1/sessions/`` (``?status=scheduled`` lists appointments). Another
centre's case or session is a 404; a role that sees no cases gets 403. A session's ``summary`` and
``confidential_note`` appear in a response only where ``cases/policy.py`` allows (absent, not
null, otherwise), and every response showing their text leaves one access event per session.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from cases import policy
from cases.forms.cases import STATES
from cases.models import (
    CLOSE_REASONS_TO_CHOOSE,
    Case,
    CloseReason,
    InterpreterRequest,
    OpenReason,
    ServiceArea,
    Session,
    SessionMode,
    SessionStatus,
)
from cases.selectors import cases as selectors
from cases.services import cases as services
from kem.api.errors import service_errors
from kem.api.filters import IntegerFilter
from kem.api.sealed import SealedResponseMixin
from kem.models import Centre
from kem.selectors.beneficiaries import beneficiary_for

API_READ_ACTION = "api.session.read"


class SeesCases(BasePermission):
    """Only roles that see cases somewhere (front desk, counsellors, managers) use this API."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(selectors.case_centre_ids(request.user))


def _refuse_unknown(data: Any, allowed: set[str]) -> None:
    if not isinstance(data, Mapping):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise serializers.ValidationError({name: [_("This field is not accepted here.")] for name in unknown})


# --- cases -------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)
    # Blank while the case is open: "" belongs to the schema's enum.
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "beneficiary",
            "centre",
            "area",
            "counsellor",
            "opened_on",
            "open_reason",
            "opened_by",
            "closed_on",
            "close_reason",
            "closed_by",
            "is_open",
        ]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    """Open a case: at the person's registering centre, held by a counsellor of the area."""

    beneficiary = serializers.UUIDField()
    area = serializers.ChoiceField(choices=ServiceArea.choices)
    counsellor = serializers.IntegerField(help_text=gettext_lazy("A counsellor of the area's discipline."))
    open_reason = serializers.ChoiceField(choices=OpenReason.choices)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        _refuse_unknown(data, set(self.fields))
        return super().to_internal_value(data)


class CaseUpdateSerializer(serializers.Serializer):
    """Either reassign (``counsellor``, the manager) or close (``close_reason``, ``closed_on``)."""

    counsellor = serializers.IntegerField(required=False)
    close_reason = serializers.ChoiceField(choices=CLOSE_REASONS_TO_CHOOSE, required=False)
    closed_on = serializers.DateField(required=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        _refuse_unknown(data, set(self.fields))
        valid = super().to_internal_value(data)
        closing = "close_reason" in valid or "closed_on" in valid
        if closing == ("counsellor" in valid):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send either a new counsellor or a reason to close the case.")]}
            )
        if closing and "close_reason" not in valid:
            raise serializers.ValidationError({"close_reason": [_("Say why the case is closed.")]})
        return valid


def _counsellor(centre: Centre, pk: int) -> Any:
    """The user ``pk`` among the centre's counsellors (the service checks their discipline)."""
    for counsellor in selectors.counsellors_at(centre=centre):
        if counsellor.user_id == pk:
            return counsellor.user
    raise serializers.ValidationError(
        {"counsellor": [_("Choose a counsellor of this area's discipline at this centre.")]}
    )


class CaseFilter(filters.FilterSet):
    centre = IntegerFilter(help_text=gettext_lazy("Only this centre's cases."))
    counsellor = IntegerFilter(help_text=gettext_lazy("Only this counsellor's cases."))
    area = filters.ChoiceFilter(choices=ServiceArea.choices)
    # Left out or blank, the state is "open".
    state = filters.TypedChoiceFilter(
        choices=STATES,
        empty_value="open",
        method="filter_state",
        help_text=gettext_lazy("Open (default), closed or all."),
    )

    def filter_state(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "open":
            return cases.filter(closed_on__isnull=True)
        if value == "closed":
            return cases.filter(closed_on__isnull=False)
        return cases


ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages."))}
# Creating names an object in the body (the person, the case): one the caller may not see is a 404.
NAMED_NOT_FOUND = {
    404: OpenApiResponse(description=gettext_lazy("The person or case named is not visible to you."))
}


@extend_schema_view(
    create=extend_schema(
        request=CaseCreateSerializer, responses={201: CaseSerializer, **ERRORS, **NAMED_NOT_FOUND}
    ),
    partial_update=extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer, **ERRORS}),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases at the centres where the caller sees cases."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    permission_classes = [IsAuthenticated, SeesCases]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Case.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.visible_cases(self.request.user).order_by("-opened_on", "-pk")

    def get_object(self) -> Case:
        return selectors.case_for(self.request.user, self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = CaseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        person = beneficiary_for(request.user, data["beneficiary"])
        centre = person.registering_centre
        if not policy.may_open_case(request.user, centre.pk):
            self.permission_denied(request)
        try:
            case = services.case_open(
                beneficiary=person,
                centre=centre,
                area=data["area"],
                counsellor=_counsellor(centre, data["counsellor"]),
                reason=data["open_reason"],
                by=request.user,
            )
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        payload = CaseUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            if "counsellor" in data:
                if not policy.may_reassign_case(request.user, case.centre_id):
                    self.permission_denied(request)
                counsellor = _counsellor(case.centre, data["counsellor"])
                case = services.case_reassign(case=case, counsellor=counsellor, by=request.user)
            else:
                case = services.case_close(
                    case=case, reason=data["close_reason"], closed_on=data.get("closed_on"), by=request.user
                )
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(CaseSerializer(case).data)


# --- sessions ----------------------------------------------------------------------------------


class SessionSerializer(serializers.Serializer):
    """A session as the caller may see it; pass ``parts`` (the SessionView) as the instance."""

    id = serializers.UUIDField(read_only=True)
    case = serializers.IntegerField(read_only=True, source="case_id")
    counsellor = serializers.IntegerField(read_only=True, source="counsellor_id")
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    mode = serializers.ChoiceField(choices=SessionMode.choices, read_only=True)
    status = serializers.ChoiceField(choices=SessionStatus.choices, read_only=True)
    interpreter_request = serializers.UUIDField(
        read_only=True, source="interpreter_request_id", allow_null=True
    )
    # Not read-only so that the schema does not call them required: they may be absent.
    follow_up_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Present only for callers who may read the summary."),
    )
    summary = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Present only for the centre's counsellors and manager."),
    )
    confidential_note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Present only for the counsellors of the case's discipline."),
    )

    def to_representation(self, view: selectors.SessionView) -> dict[str, Any]:
        session = view.session
        shown: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name in ("summary", "follow_up_on") and view.summary is None:
                continue
            if name == "summary":
                shown[name] = view.summary
            elif name == "confidential_note":
                if view.confidential_note is not None:
                    shown[name] = view.confidential_note
            else:
                value = field.get_attribute(session)
                shown[name] = None if value is None else field.to_representation(value)
        return shown


class SessionCreateSerializer(serializers.Serializer):
    """An appointment (status scheduled, the default) or a session already held (status held)."""

    case = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=services.MAX_SESSION_MINUTES)
    mode = serializers.ChoiceField(choices=SessionMode.choices, default=SessionMode.IN_PERSON)
    status = serializers.ChoiceField(
        choices=[SessionStatus.SCHEDULED, SessionStatus.HELD], default=SessionStatus.SCHEDULED
    )
    interpreter_request = serializers.UUIDField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("Held only."))
    confidential_note = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("Held only.")
    )
    follow_up_on = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("Held only.")
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        _refuse_unknown(data, set(self.fields))
        valid = super().to_internal_value(data)
        record = {"summary", "confidential_note", "follow_up_on"} & set(valid)
        if valid["status"] == SessionStatus.SCHEDULED and record:
            raise serializers.ValidationError(
                {name: [_("An appointment has no record yet.")] for name in sorted(record)}
            )
        return valid


class SessionUpdateSerializer(serializers.Serializer):
    """Either the record (summary, note, follow-up; marks it held) or ``status`` cancelled/no_show."""

    status = serializers.ChoiceField(
        choices=[SessionStatus.HELD, SessionStatus.CANCELLED, SessionStatus.NO_SHOW], required=False
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    confidential_note = serializers.CharField(required=False, allow_blank=True)
    follow_up_on = serializers.DateField(required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        _refuse_unknown(data, set(self.fields))
        valid = super().to_internal_value(data)
        marking = valid.get("status") in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)
        if marking and set(valid) != {"status"}:
            raise serializers.ValidationError(
                {"status": [_("A cancelled or missed appointment has nothing to record.")]}
            )
        if not valid:
            raise serializers.ValidationError({"non_field_errors": [_("Send the record or a new status.")]})
        return valid


class SessionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=SessionStatus.choices, help_text=gettext_lazy("scheduled: appointments.")
    )
    case = IntegerFilter()
    counsellor = IntegerFilter()
    centre = IntegerFilter(field_name="case__centre")


@extend_schema_view(
    create=extend_schema(
        request=SessionCreateSerializer, responses={201: SessionSerializer, **ERRORS, **NAMED_NOT_FOUND}
    ),
    partial_update=extend_schema(
        request=SessionUpdateSerializer, responses={200: SessionSerializer, **ERRORS}
    ),
)
class SessionViewSet(
    SealedResponseMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Sessions of the cases the caller sees, newest first."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    permission_classes = [IsAuthenticated, SeesCases]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Session.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> QuerySet[Session]:
        return selectors.visible_sessions(self.request.user).order_by("-starts_at", "pk")

    def get_object(self) -> Session:
        return selectors.session_for(self.request.user, self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = SessionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        case = selectors.case_for(request.user, data.pop("case"))
        held = data.pop("status") == SessionStatus.HELD
        data["interpreter_request"] = _interpreter_request(case, data.pop("interpreter_request", None))
        try:
            if held:
                session = services.session_log(case=case, by=request.user, **data)
            else:
                session = services.session_schedule(case=case, by=request.user, **data)
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(self._read([session])[0], status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session = self.get_object()
        case = session.case
        if not policy.may_keep_case(request.user, centre_id=case.centre_id, discipline=case.discipline):
            # Before anything is read: the current text is opened below only for those who keep it.
            self.permission_denied(request)
        payload = SessionUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            if data.get("status") in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
                session = services.session_mark(session=session, status=data["status"], by=request.user)
            else:
                session = services.session_record(
                    session=session,
                    summary=data.get("summary", session.summary),
                    confidential_note=data.get("confidential_note", session.confidential_note),
                    follow_up_on=data.get("follow_up_on", session.follow_up_on),
                    by=request.user,
                )
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(self._read([session])[0])

    def _read(self, sessions: list[Session]) -> list[dict[str, Any]]:
        """Serialise what the caller may see and trace, in one INSERT, the sealed text shown."""
        views = selectors.session_views(user=self.request.user, sessions=sessions)
        data = SessionSerializer(views, many=True).data
        selectors.session_reads_record(
            user=self.request.user, views=views, request=self.request, action=API_READ_ACTION
        )
        return data


def _interpreter_request(case: Case, pk: uuid.UUID | None) -> InterpreterRequest | None:
    if pk is None:
        return None
    found = selectors.open_interpreter_requests(case=case).filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError(
            {"interpreter_request": [_("Choose an open interpreter request of this person at this centre.")]}
        )
    return found


def register(router: DefaultRouter) -> None:
    router.register("cases", CaseViewSet, basename="case")
    router.register("sessions", SessionViewSet, basename="session")
