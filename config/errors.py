"""Error pages, and their JSON twins under ``/api/``.

An API client must never get an HTML page: a path the router does not match (``/api/v1/
classes/0.5/status/``: ids have no dots), a request Django refuses before any view, or a crash
outside DRF's views answers ``{"detail": ...}`` in JSON, as DRF's own errors do. Everywhere
else, Django's pages (templates/404.html and the others).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("The request was refused.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not allowed for your role or centre.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {
                "detail": _(
                    "Something went wrong on our side. The error has been logged; please try again later."
                )
            },
            status=500,
        )
    return defaults.server_error(request)
