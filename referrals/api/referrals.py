"""REST API for outgoing referrals: list, retrieve, create (a draft), and send / withdraw.

The same rules as the pages, through the same selectors and services: referrals of the centres
where the caller refers people (front desk, counsellors, manager); another centre's referral is a
404, a role of the centre that may not refer gets 403. The sealed reasons appear only for callers
allowed to read them (absent, not null, otherwise) and every response holding them leaves one
access event per referral (``api.referral.read``). The partner's link is a page, not an API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
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

from kem.api.filters import YesNoFilter
from kem.api.sealed import SealedFieldsSerializer, SealedResponseMixin
from kem.models import Beneficiary
from kem.selectors.beneficiaries import beneficiaries_visible_to
from partners.models import PartnerService, WorkingArea
from referrals.models import Referral, ReferralStatus, Urgency
from referrals.policy import may_refer
from referrals.selectors import referrals as selectors
from referrals.selectors.referrals import API_READ_ACTION, SEALED_FIELDS
from referrals.services import referrals as services

# --- what the API returns ----------------------------------------------------------------------

SEALED_HELP = gettext_lazy("Sealed; only for those who refer people at the centre.")


class ReferralSerializer(SealedFieldsSerializer):
    """A referral as the API returns it; the sealed reasons only where the caller may read them
    (the view passes ``may_read_sealed(referral) -> bool`` in the context)."""

    sealed = SEALED_FIELDS

    id = serializers.UUIDField(read_only=True)
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    beneficiary = serializers.UUIDField(source="beneficiary_id", read_only=True)
    service = serializers.IntegerField(source="service_id", read_only=True)
    organisation = serializers.IntegerField(source="service.organisation_id", read_only=True)
    area = serializers.ChoiceField(source="service.area", choices=WorkingArea.choices, read_only=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    follow_up_on = serializers.DateField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    contact_person = serializers.IntegerField(source="contact_person_id", read_only=True)
    consent = serializers.IntegerField(source="consent_id", read_only=True, allow_null=True)
    override_by = serializers.IntegerField(source="override_by_id", read_only=True, allow_null=True)
    outcome_successful = serializers.BooleanField(read_only=True, allow_null=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue_since = serializers.DateField(read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    # Not read-only so that the schema does not call them required: they may be absent.
    reason = serializers.CharField(required=False, help_text=SEALED_HELP)
    override_reason = serializers.CharField(required=False, help_text=SEALED_HELP)
    decline_reason = serializers.CharField(required=False, help_text=SEALED_HELP)
    outcome_reason = serializers.CharField(required=False, help_text=SEALED_HELP)


# --- what the API accepts ----------------------------------------------------------------------


class ReferralCreateSerializer(serializers.Serializer):
    beneficiary = serializers.UUIDField(help_text=gettext_lazy("The person, registered at your centre."))
    service = serializers.IntegerField(help_text=gettext_lazy("An active partner service's id."))
    reason = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    follow_up_on = serializers.DateField(required=False, allow_null=True, default=None)
    contact_person = serializers.IntegerField(
        required=False, help_text=gettext_lazy("A staff member of the centre; you, if left out.")
    )

    def validate_beneficiary(self, value: Any) -> Beneficiary:
        person = (
            beneficiaries_visible_to(self.context["request"].user)
            .select_related("registering_centre")
            .filter(pk=value)
            .first()
        )
        if person is None:
            raise serializers.ValidationError(_("No such person at your centres."), code="unknown_person")
        return person

    def validate_service(self, value: int) -> PartnerService:
        service = PartnerService.objects.select_related("organisation").filter(pk=value).first()
        if service is None:
            raise serializers.ValidationError(_("No such service."), code="unknown_service")
        return service

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        contact_id = data.pop("contact_person", None)
        if contact_id is None:
            data["contact_person"] = user
            return data
        contact = selectors.contact_people(centre=data["beneficiary"].registering_centre).filter(
            pk=contact_id
        )
        if not contact:
            raise serializers.ValidationError(
                {
                    "contact_person": [
                        ErrorDetail(
                            _("The contact person must work at this centre."), code="contact_elsewhere"
                        )
                    ]
                }
            )
        data["contact_person"] = contact[0]
        return data


class SendSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Only the centre's manager, only without a valid consent."),
    )


# --- the viewset -------------------------------------------------------------------------------


class RefersPeople(BasePermission):
    """Only roles that refer people somewhere (front desk, counsellors, managers) use this API."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.referring_centres(request.user).exists()


ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages and codes."))}


class ReferralFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReferralStatus.choices)
    area = filters.ChoiceFilter(field_name="service__area", choices=WorkingArea.choices)
    overdue = YesNoFilter(method="filter_overdue")

    def filter_overdue(self, referrals: QuerySet[Referral], name: str, value: bool) -> QuerySet[Referral]:
        return referrals.overdue() if value else referrals


@extend_schema_view(
    create=extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer, **ERRORS}),
)
class ReferralViewSet(
    SealedResponseMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals of the caller's centres; every response with sealed text is traced."""

    response_serializer = ReferralSerializer
    sealed_fields = SEALED_FIELDS
    read_action = API_READ_ACTION

    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    permission_classes = [IsAuthenticated, RefersPeople]
    queryset = Referral.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.referral_list(user=self.request.user)

    def get_object(self) -> Referral:
        # 404 for another centre's referral, 403 for a role there that may not refer.
        return selectors.referral_for(self.request.user, self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._create(ReferralCreateSerializer, services.referral_create)

    @extend_schema(request=SendSerializer, responses={200: ReferralSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: Any = None) -> Response:
        """Send a draft (refused with ``consent_missing`` without a valid consent, unless the
        centre's manager gives ``override_reason``); the partner is e-mailed a link."""
        referral = self.get_object()
        payload = SendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._act(
            services.referral_send,
            referral=referral,
            override_reason=payload.validated_data["override_reason"],
        )

    @extend_schema(request=None, responses={200: ReferralSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """Withdraw a draft, sent or accepted referral."""
        return self._act(services.referral_withdraw, referral=self.get_object())

    def fresh(self, obj: Referral) -> Referral:
        return selectors.referral_for(self.request.user, obj.pk)

    def may_read_sealed(self, obj: Referral) -> bool:
        return may_refer(self.request.user, obj.centre_id)


def register(router: DefaultRouter) -> None:
    router.register("referrals", ReferralViewSet, basename="referral")
