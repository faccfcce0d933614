"""REST API for beneficiaries: list, search, retrieve, register and edit, like the pages.

The same rules as the front desk's pages: people are scoped to the caller's centres (another
centre's person is a 404, a teacher or analyst gets 403), a registration is validated by the
registration form and checked for duplicates by the same service, and every response that holds a
person's data leaves an access event per person (``api.beneficiary.read``). Search text travels
in the POST body of ``search/``, never in a query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kem import services
from kem.api.sealed import SealedResponseMixin
from kem.choices import DocumentKind, DocumentStatus
from kem.forms.beneficiaries import DATED, NUMBER_ONLY, BeneficiaryForm
from kem.models import Beneficiary, Centre, DuplicateDecision
from kem.models.beneficiaries import PLAIN_FIELDS, SEALED_FIELDS
from kem.permissions import CentrePerm, visible_centres
from kem.selectors.beneficiaries import (
    DuplicateCheck,
    beneficiaries_visible_to,
    beneficiary_duplicates,
    beneficiary_for,
    beneficiary_search,
)
from kem.services.access_log import Access, access_record_many, role_at
from kem.services.beneficiaries import id_numbers_of

READ_ACTION = "api.beneficiary.read"
RECORD_FIELDS = ("id", "registering_centre", "registration_date")


# --- what the API returns ----------------------------------------------------------------------


class DocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    number = serializers.CharField()
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=DocumentStatus.choices, required=False)


class BeneficiarySerializer(serializers.Serializer):
    """A person as the API returns them; sealed and plain fields only to those who serve them.

    The view passes ``serving_centre_ids`` (the centres where the caller serves beneficiaries) in
    the context: a person registered elsewhere keeps only the record fields.
    """

    id = serializers.UUIDField(read_only=True)
    registering_centre = serializers.IntegerField(read_only=True)
    registration_date = serializers.DateField(read_only=True)
    given_name = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    given_name_latin = serializers.CharField(read_only=True)
    family_name_latin = serializers.CharField(read_only=True)
    father_name = serializers.CharField(read_only=True, allow_null=True)
    mother_name = serializers.CharField(read_only=True, allow_null=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, allow_null=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    documents = DocumentSerializer(many=True, read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True)
    gender = serializers.CharField(read_only=True)
    birth_year = serializers.IntegerField(read_only=True, allow_null=True)
    nationality = serializers.CharField(read_only=True, help_text=gettext_lazy("ISO 3166-1 alpha-2 code."))
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    needs_interpreter = serializers.BooleanField(read_only=True)
    legal_status = serializers.CharField(read_only=True)
    arrival_year = serializers.IntegerField(read_only=True, allow_null=True)
    municipality = serializers.CharField(read_only=True)
    housing = serializers.CharField(read_only=True)
    employment = serializers.CharField(read_only=True)
    education = serializers.CharField(read_only=True)
    vulnerabilities = serializers.ListField(child=serializers.CharField(), read_only=True)
    disability = serializers.BooleanField(read_only=True)

    def to_representation(self, instance: Beneficiary) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for name in returned_fields(instance, self.context["serving_centre_ids"]):
            if name == "registering_centre":
                shown[name] = instance.registering_centre_id
                continue
            value = getattr(instance, name)
            shown[name] = None if value is None else self.fields[name].to_representation(value)
        return shown


def returned_fields(person: Beneficiary, serving_centre_ids: frozenset[int]) -> tuple[str, ...]:
    """The fields a caller gets for ``person``: everything where they serve people, else the record."""
    if person.registering_centre_id in serving_centre_ids:
        return RECORD_FIELDS + SEALED_FIELDS + PLAIN_FIELDS
    return RECORD_FIELDS


# --- what the API accepts ----------------------------------------------------------------------


def _schema_field(form_field: forms.Field) -> serializers.Field:
    """A serializer field describing a form field in the schema (the form does the validating)."""
    optional = {"required": form_field.required, "help_text": form_field.help_text or None}
    if isinstance(form_field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=form_field.choices, **optional)
    if isinstance(form_field, forms.ChoiceField) and form_field.choices:
        return serializers.ChoiceField(choices=form_field.choices, allow_blank=True, **optional)
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(**optional)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(allow_null=True, **optional)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(allow_null=True, min_value=1900, max_value=2100, **optional)
    if isinstance(form_field, forms.EmailField):
        return serializers.EmailField(allow_blank=True, **optional)
    return serializers.CharField(
        allow_blank=not form_field.required, max_length=form_field.max_length, **optional
    )


def _form_fields() -> dict[str, forms.Field]:
    """The registration form's fields, documents included (the form adds those per instance)."""
    fields = dict(BeneficiaryForm.base_fields)
    fields["nationality"] = forms.CharField(
        max_length=2, required=False, help_text=gettext_lazy("ISO 3166-1 alpha-2 code.")
    )
    for kind in NUMBER_ONLY + DATED:
        fields[f"{kind}_number"] = forms.CharField(max_length=40, required=False)
    for kind in DATED:
        fields[f"{kind}_issued_on"] = forms.DateField(required=False)
        fields[f"{kind}_expires_on"] = forms.DateField(required=False)
    return fields


FORM_FIELDS = tuple(_form_fields())
# "Not stated" and the like, which the form preselects and a JSON caller may leave out.
FORM_DEFAULTS = {name: f.initial for name, f in BeneficiaryForm.base_fields.items() if f.initial is not None}


class BeneficiaryWriteSerializer(serializers.Serializer):
    """A registration or an edit: the registration form's fields, validated by that same form.

    Documents are flat, as on the form (``amka_number``, ``passport_expires_on``, ...). A partial
    update starts from the person's current values. ``centre`` (registration only) is needed when
    the caller serves people at several centres; ``decisions`` answers a 409's candidates.
    """

    centre = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("Where to register the person; needed if you serve several centres."),
    )
    decisions = serializers.DictField(
        child=serializers.ChoiceField(choices=DuplicateDecision.Decision.choices),
        required=False,
        help_text=gettext_lazy('Your answer for each candidate of a 409: {"<id>": "different"}.'),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields.update((name, _schema_field(field)) for name, field in _form_fields().items())
        return fields

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        registering = self.instance is None
        allowed = set(FORM_FIELDS) | ({"centre", "decisions"} if registering else set())
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field is not accepted here.")] for name in unknown}
            )
        wrong_type = _json_type_errors(data)
        if wrong_type:
            raise serializers.ValidationError(wrong_type)
        # Left out: the person's current value (a partial update) or the form's default.
        current = (
            BeneficiaryForm.initial_from(self.instance) if self.partial and self.instance else FORM_DEFAULTS
        )
        form = BeneficiaryForm(data={**current, **{k: v for k, v in data.items() if k in FORM_FIELDS}})
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        validated: dict[str, Any] = {"data": form.service_data()}
        if registering:
            validated["centre"] = self._centre(data.get("centre"))
            validated["decisions"] = self._decisions(data.get("decisions"))
        return validated

    def _centre(self, value: Any) -> Centre:
        serving = list(visible_centres(self.context["request"].user, CentrePerm.SERVE))
        if value in (None, "") and len(serving) == 1:
            return serving[0]
        if value in (None, ""):
            raise serializers.ValidationError({"centre": [_("Choose the centre to register the person at.")]})
        chosen = [c for c in serving if str(c.pk) == str(value)]
        if not chosen:
            raise serializers.ValidationError({"centre": [_("You cannot register people at this centre.")]})
        return chosen[0]

    def _decisions(self, value: Any) -> dict[str, str]:
        """The caller's answers, each about a person they may see (others are refused)."""
        try:
            decisions = self.fields["decisions"].run_validation(value) if value else {}
        except serializers.ValidationError as invalid:
            raise serializers.ValidationError({"decisions": invalid.detail}) from None
        wanted = {str(k): v for k, v in decisions.items()}
        visible = {
            str(pk)
            for pk in beneficiaries_visible_to(self.context["request"].user)
            .filter(pk__in=[k for k in wanted if _is_uuid(k)])
            .values_list("pk", flat=True)
        }
        if set(wanted) - visible:
            raise serializers.ValidationError(
                {"decisions": [_("Answer only for the candidates you were shown.")]}
            )
        return wanted


def _json_type_errors(data: Mapping[str, Any]) -> dict[str, list[ErrorDetail]]:
    """A JSON value of a type the form cannot read (a date given a number, a name given a list),
    by field."""
    fields = _form_fields()
    errors: dict[str, list[ErrorDetail]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or value is None or isinstance(field, forms.BooleanField):
            continue
        if isinstance(field, forms.MultipleChoiceField):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                errors[name] = [ErrorDetail(_("Send a list of codes (texts)."), code="invalid_type")]
        elif isinstance(field, forms.DateField):
            if not isinstance(value, str):
                errors[name] = [ErrorDetail(_("Send a date as text: YYYY-MM-DD."), code="invalid_type")]
        elif isinstance(field, forms.IntegerField):
            if not isinstance(value, int | str) or isinstance(value, bool):
                errors[name] = [ErrorDetail(_("Send a whole number."), code="invalid_type")]
        elif not isinstance(value, str):
            errors[name] = [ErrorDetail(_("Send text."), code="invalid_type")]
    return errors


def _form_errors(form: forms.Form) -> dict[str, list[ErrorDetail]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [
            ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors
        ]
        for name, errors in form.errors.get_json_data().items()
    }


def _model_errors(invalid: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(invalid, "error_dict"):
        return {
            name: [str(m) for e in errors for m in e.messages] for name, errors in invalid.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in invalid.messages]}


def _is_uuid(value: str) -> bool:
    try:
        Beneficiary._meta.pk.to_python(value)
    except DjangoValidationError:
        return False
    return True


class DuplicateSerializer(serializers.Serializer):
    """A 409: the registration (or edit) would duplicate a person."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["duplicate_id", "possible_duplicates"])
    existing = serializers.ListField(
        child=serializers.UUIDField(), help_text=gettext_lazy("People you may open who hold the ID number.")
    )
    candidates = serializers.ListField(
        child=serializers.UUIDField(),
        help_text=gettext_lazy('Similar people: resubmit with "decisions" answering each of them.'),
    )


def _duplicate_response(check: DuplicateCheck) -> Response:
    if check.same_id:
        detail = (
            _("This ID number is already registered. Open the existing record instead.")
            if check.visible_same_id
            else _("This ID number is already registered at another centre of the network.")
        )
        body = {"detail": detail, "code": "duplicate_id", "existing": [p.pk for p in check.visible_same_id]}
        body["candidates"] = []
    else:
        detail = _(
            'Possible duplicates need your decision: answer each candidate in "decisions" and resubmit.'
        )
        body = {"detail": detail, "code": "possible_duplicates", "existing": [], "candidates": []}
        body["candidates"] = [p.pk for p in check.similar]
    return Response(DuplicateSerializer(body).data, status=status.HTTP_409_CONFLICT)


# --- the viewset -------------------------------------------------------------------------------


class ServesBeneficiaries(BasePermission):
    """Only roles that work with people (front desk, counsellors, managers) use this API at all."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return view.serving_centre_ids(request.user) != frozenset()


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200,
        help_text=gettext_lazy("A name in any script, a phone or an ID number (2+ characters)."),
    )


ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages."))}
WRITE_RESPONSES = {**ERRORS, 409: DuplicateSerializer}


@extend_schema_view(
    create=extend_schema(
        request=BeneficiaryWriteSerializer, responses={201: BeneficiarySerializer, **WRITE_RESPONSES}
    ),
    update=extend_schema(
        request=BeneficiaryWriteSerializer, responses={200: BeneficiarySerializer, **WRITE_RESPONSES}
    ),
    partial_update=extend_schema(
        request=BeneficiaryWriteSerializer, responses={200: BeneficiarySerializer, **WRITE_RESPONSES}
    ),
)
class BeneficiaryViewSet(
    SealedResponseMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People registered at the caller's centres; every read leaves an access event per person."""

    serializer_class = BeneficiarySerializer
    permission_classes = [IsAuthenticated, ServesBeneficiaries]

    def get_queryset(self):
        return beneficiaries_visible_to(self.request.user).order_by("-created_at", "pk")

    def get_object(self) -> Beneficiary:
        # 404 for another centre's person, 403 for a role there that may not work with people.
        return beneficiary_for(self.request.user, self.kwargs["pk"])

    def serving_centre_ids(self, user: Any) -> frozenset[int]:
        if not hasattr(self, "_serving"):
            self._serving = frozenset(visible_centres(user, CentrePerm.SERVE).values_list("pk", flat=True))
        return self._serving

    @extend_schema(
        request=SearchSerializer,
        responses=inline_serializer(
            "BeneficiarySearchResults", {"results": BeneficiarySerializer(many=True)}
        ),
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        """Ranked people matching ``q`` (at most 50); the query goes in the body, never the URL."""
        query = SearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        found = beneficiary_search(user=request.user, query=query.validated_data["q"])
        return Response({"results": self._read([candidate.person for candidate in found])})

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = BeneficiaryWriteSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        valid = payload.validated_data
        try:
            person = services.beneficiary_register(
                centre=valid["centre"], by=request.user, data=valid["data"], decisions=valid["decisions"]
            )
        except services.DuplicateFound as found:
            return _duplicate_response(found.check)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(_model_errors(invalid)) from None
        return Response(self._read([person])[0], status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        payload = BeneficiaryWriteSerializer(
            person,
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        payload.is_valid(raise_exception=True)
        data = payload.validated_data["data"]
        held = beneficiary_duplicates(
            user=request.user, data={"id_numbers": id_numbers_of(data["documents"])}, exclude=person.pk
        )
        if held.same_id:
            return _duplicate_response(
                DuplicateCheck(same_id=held.same_id, visible_same_id=held.visible_same_id)
            )
        try:
            person = services.beneficiary_update(beneficiary=person, by=request.user, data=data)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(_model_errors(invalid)) from None
        return Response(self._read([person])[0])

    def _read(self, people: list[Beneficiary]) -> list[dict[str, Any]]:
        """Serialise ``people`` and trace, in one INSERT, which sealed fields each response holds."""
        serving = self.serving_centre_ids(self.request.user)
        data = BeneficiarySerializer(people, many=True, context={"serving_centre_ids": serving}).data
        accesses = [
            Access(
                subject=person,
                fields=[f for f in SEALED_FIELDS if f in shown and shown[f] not in (None, "", [], {})],
                centre_id=person.registering_centre_id,
                role=role_at(self.request.user, person.registering_centre_id),
            )
            for person, shown in zip(people, data, strict=True)
        ]
        access_record_many(
            user=self.request.user, action=READ_ACTION, accesses=accesses, request=self.request
        )
        return data


def register(router: DefaultRouter) -> None:
    router.register("beneficiaries", BeneficiaryViewSet, basename="beneficiary")
