"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config.health import healthz
from kem.api.docs import api_docs, schema_view

urlpatterns = [
    path("", include("kem.urls")),
    path("", include("cases.urls")),
    path("", include("referrals.urls")),
    path("", include("courses.urls")),
    path("", include("reports.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "KEM"
admin.site.site_title = "KEM"

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
