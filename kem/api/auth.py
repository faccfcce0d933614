"""API tokens (django-rest-knox): get one with a username and password (and the second factor's
code, for those who log in with one), revoke one or all.

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

from kem.forms.account import code_error
from kem.lockout import LOCKED_STATUS, lockout_message
from kem.permissions import needs_second_factor
from kem.services import second_factor


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The authenticator app's code (or a recovery code): required of those who log in "
        "with a second factor.",
    )


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
                "password (`code`: `invalid_credentials`), a second factor missing, not set up or "
                "wrong (`second_factor_required`, `second_factor_enrolment_required`, "
                "`invalid_second_factor`), or too many tokens (`too_many_tokens`).",
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
        refused = _second_factor_refusal(user, credentials.validated_data.get("code", ""))
        if refused is not None:
            return refused
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


def _second_factor_refusal(user, code: str) -> Response | None:
    """A token is as strong as the log-in: whoever logs in with a second factor gives its code."""
    enrolled = second_factor.is_enrolled(user)
    if not enrolled and not needs_second_factor(user):
        return None
    if not enrolled:
        return Response(
            {
                "detail": _("Set up your second factor on the web site first."),
                "code": "second_factor_enrolment_required",
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if not code:
        return Response(
            {"detail": _("Give the code of your second factor."), "code": "second_factor_required"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    result = second_factor.verify(user, code)
    if result.ok:
        return None
    return Response(
        {
            "detail": code_error(ok=False, wait_seconds=result.wait_seconds),
            "code": "invalid_second_factor",
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class _TokenRevokeView(APIView):
    """Revokes tokens; only a token (not a session) may ask, so a session is a 401."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def revoke(self, request: Request) -> None:
        raise NotImplementedError

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token.")},
    )
    def post(self, request: Request) -> Response:
        self.revoke(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutView(_TokenRevokeView):
    """Revoke the token this request is made with."""

    def revoke(self, request: Request) -> None:
        request.auth.delete()


class TokenLogoutAllView(_TokenRevokeView):
    """Revoke every token of the caller."""

    def revoke(self, request: Request) -> None:
        AuthToken.objects.filter(user=request.user).delete()
