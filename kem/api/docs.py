"""The OpenAPI schema and its Swagger UI page.

In production (``KEM_API_DOCS_STAFF_ONLY``, on with ``KEM_PROFILE=production``) both are for
logged-in staff only: the schema maps every operation of the back-office, which an anonymous
visitor has no use for. The page passes the strict Content-Security-Policy: its start-up script
comes from its own URL (drf-spectacular's split view) instead of an inline ``<script>``, its
three layout rules from a static file instead of an inline ``<style>``, and the only addition to
the policy is ``img-src data:`` for the icons that Swagger UI's stylesheet embeds.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


def may_read_docs(user: Any) -> bool:
    if not settings.KEM_API_DOCS_STAFF_ONLY:
        return True
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


class ReadsApiDocs(BasePermission):
    """Everybody in the embedded profile; in production, logged-in staff only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_read_docs(request.user)


class SchemaView(SpectacularAPIView):
    permission_classes = [ReadsApiDocs]


class SwaggerView(SpectacularSwaggerSplitView):
    permission_classes = [ReadsApiDocs]
    template_name = "kem/api/swagger_ui.html"


_swagger = csp_update({"img-src": ["'self'", "data:"]})(SwaggerView.as_view(url_name="api-schema"))


def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The Swagger UI page (and, with ``?script``, its start-up script); an anonymous visitor
    in production is sent to the log-in page first."""
    if not may_read_docs(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return _swagger(request, *args, **kwargs)


schema_view = SchemaView.as_view()
