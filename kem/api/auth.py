"""API tokens (django-rest-knox): get one with a username and password, revoke one or all.

``POST /api/v1/auth/token/`` checks the password through ``authenticate()`` with the request, so
the lock-out of the log-in page applies (kem.lockout): a locked account or address gets 429 even
with the right password. The token is shown once; the database keeps only its hash. It expires
after ``KEM_API_TOKEN_HOURS`` and goes with a log-out, a password change or a deactivation.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kem.lockout import LOCKED_STATUS, lockout_message


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown only once.")
    expiry = serializers.DateTimeField()


_ERROR = inline_serializer(
    "AuthError", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)


class TokenLoginView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenLoginSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A field missing or malformed (errors by field), a wrong username or "
                "password (`code`: `invalid_credentials`), or too many tokens (`too_many_tokens`).",
            ),
            429: OpenApiResponse(_ERROR, description="Locked out after too many wrong passwords."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = TokenLoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        http_request = request._request
        user = authenticate(
            http_request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return Response({"detail": lockout_message(), "code": "locked_out"}, status=LOCKED_STATUS)
        if user is None:
            return Response(
                {"detail": _("Wrong username or password."), "code": "invalid_credentials"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        live = AuthToken.objects.filter(Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True), user=user)
        if live.count() >= settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]:
            return Response(
                {
                    "detail": _("You hold too many API tokens: revoke one (log out) first."),
                    "code": "too_many_tokens",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        instance, token = AuthToken.objects.create(user=user, expiry=settings.REST_KNOX["TOKEN_TTL"])
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenLogoutView(APIView):
    """Revoke the token this request is made with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token.")},
    )
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllView(APIView):
    """Revoke every token of the caller."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token.")},
    )
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
