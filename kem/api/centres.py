"""REST API for centres and the signed-in user's memberships, scoped like the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kem.models import Centre, Membership
from kem.permissions import visible_centres


class CentreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Centre
        fields = ["id", "name_el", "name_en", "municipality", "address", "active"]


class MembershipSerializer(serializers.ModelSerializer):
    centre = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "centre", "role", "discipline"]


class CentreViewSet(viewsets.ReadOnlyModelViewSet):
    """Centres the caller may see; any other id answers 404."""

    serializer_class = CentreSerializer

    def get_queryset(self):
        return visible_centres(self.request.user).order_by("pk")

    # A plain list (not paginated, no filters): the schema says so too.
    @extend_schema(responses=MembershipSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], url_path="my-roles", pagination_class=None, filter_backends=[])
    def my_roles(self, request: Request) -> Response:
        """The caller's active memberships (centre id, role, discipline)."""
        memberships = Membership.objects.active().filter(user=request.user).order_by("centre_id", "role")
        return Response(MembershipSerializer(memberships, many=True).data)


def register(router: DefaultRouter) -> None:
    router.register("centres", CentreViewSet, basename="centre")
