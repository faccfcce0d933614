"""REST API of the partner directory: organisations and their services.

The same rules as the pages: those who serve people (front desk, counsellors, managers) read the
whole directory, managers create and update it through the same services. The directory holds no
personal data, so nothing here is sealed or traced in the access log; history keeps each write.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kem.api.errors import service_errors
from kem.api.filters import IntegerFilter, YesNoFilter
from partners.models import (
    Organisation,
    OrganisationType,
    PartnerService,
    ServiceCategory,
    WorkingArea,
    name_order,
)
from referrals.policy import may_edit_directory, may_read_directory
from referrals.selectors import directory as selectors
from referrals.services import directory as services


class OrganisationSerializer(serializers.ModelSerializer):
    languages = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        help_text=gettext_lazy("ISO 639 codes of the languages spoken."),
    )

    class Meta:
        model = Organisation
        fields = ["id", *services.ORGANISATION_FIELDS, "languages", "active"]
        read_only_fields = ["id"]


class PartnerServiceSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())

    class Meta:
        model = PartnerService
        fields = ["id", "organisation", "name_el", "name_en", "category", "area", "active"]
        read_only_fields = ["id", "area"]


class DirectoryAccess(BasePermission):
    """Reading for those who may read the directory; writing for those who keep it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return may_read_directory(request.user)
        return may_edit_directory(request.user)


ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages and codes."))}


class _DirectoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, DirectoryAccess]

    def _payload(self, request: Request, instance: Any = None, partial: bool = False) -> dict[str, Any]:
        """The fields sent, over the instance's current values for a partial update."""
        current = self.get_serializer(instance).data if instance is not None else {}
        payload = self.get_serializer(instance, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = {name: value for name, value in current.items() if name not in ("id", "area")}
        data.update(payload.validated_data)
        return data

    def _call(self, write: Any, **kwargs: Any) -> Any:
        try:
            return write(by=self.request.user, **kwargs)
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None


class OrganisationFilter(filters.FilterSet):
    """Checks the parameters; the directory's search (``organisation_search``) picks the rows,
    matching names and languages in Python, so they come back as a list."""

    q = filters.CharFilter(help_text=gettext_lazy("Name, in Greek or English."))
    area = filters.ChoiceFilter(choices=WorkingArea.choices)
    category = filters.ChoiceFilter(choices=ServiceCategory.choices)
    type = filters.ChoiceFilter(choices=OrganisationType.choices)
    language = filters.CharFilter()
    include_inactive = YesNoFilter()

    def filter_queryset(self, queryset: Any) -> list[Organisation]:
        wanted = self.form.cleaned_data
        return selectors.organisation_search(
            user=self.request.user,
            filters=selectors.DirectoryFilters(
                query=wanted["q"],
                area=wanted["area"],
                category=wanted["category"],
                type=wanted["type"],
                language=wanted["language"],
                include_inactive=wanted["include_inactive"],
            ),
        )


@extend_schema_view(
    create=extend_schema(responses={201: OrganisationSerializer, **ERRORS}),
    update=extend_schema(responses={200: OrganisationSerializer, **ERRORS}),
    partial_update=extend_schema(responses={200: OrganisationSerializer, **ERRORS}),
)
class OrganisationViewSet(_DirectoryViewSet):
    """The partner directory's organisations (active only unless ``include_inactive``)."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    queryset = Organisation.objects.none()  # for the schema; rows come from the selectors

    def get_object(self) -> Organisation:
        edit = self.request.method not in SAFE_METHODS
        return selectors.organisation_for(self.request.user, self.kwargs["pk"], edit=edit)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._payload(request)
        data.pop("active", None)
        created = self._call(services.organisation_create, **data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organisation = self.get_object()
        data = self._payload(request, organisation, partial=kwargs.get("partial", False))
        updated = self._call(services.organisation_update, organisation=organisation, **data)
        return Response(self.get_serializer(updated).data)


class PartnerServiceFilter(filters.FilterSet):
    organisation = IntegerFilter()
    area = filters.ChoiceFilter(choices=WorkingArea.choices)
    category = filters.ChoiceFilter(choices=ServiceCategory.choices)
    include_inactive = YesNoFilter(method="filter_include_inactive")

    def filter_include_inactive(
        self, services: QuerySet[PartnerService], name: str, value: bool
    ) -> QuerySet[PartnerService]:
        return services if value else services.filter(active=True, organisation__active=True)


@extend_schema_view(
    create=extend_schema(responses={201: PartnerServiceSerializer, **ERRORS}),
    update=extend_schema(responses={200: PartnerServiceSerializer, **ERRORS}),
    partial_update=extend_schema(responses={200: PartnerServiceSerializer, **ERRORS}),
)
class PartnerServiceViewSet(_DirectoryViewSet):
    """The services partners offer (of active partners, active only unless ``include_inactive``)."""

    serializer_class = PartnerServiceSerializer
    filterset_class = PartnerServiceFilter
    queryset = PartnerService.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return PartnerService.objects.order_by(name_order(), "pk")

    def get_object(self) -> PartnerService:
        edit = self.request.method not in SAFE_METHODS
        return selectors.partner_service_for(self.request.user, self.kwargs["pk"], edit=edit)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._payload(request)
        data.pop("active", None)
        created = self._call(services.partner_service_create, **data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service = self.get_object()
        data = self._payload(request, service, partial=kwargs.get("partial", False))
        data.pop("organisation", None)  # a service stays with its organisation
        updated = self._call(services.partner_service_update, service=service, **data)
        return Response(self.get_serializer(updated).data)


def register(router: DefaultRouter) -> None:
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("partner-services", PartnerServiceViewSet, basename="partner-service")
