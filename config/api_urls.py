"""The versioned REST API: each app registers its viewsets on one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cases import api as cases_api
from courses import api as courses_api
from kem import api as kem_api
from kem.api import auth as auth_api
from referrals import api as referrals_api
from reports import api as statistics_api

# JSON only, and no ".json" variants of every route: the schema lists none, and the actions did not
# take their "format" argument (a 500).
router = DefaultRouter()
router.include_format_suffixes = False
kem_api.register(router)
cases_api.register(router)
referrals_api.register(router)
courses_api.register(router)
statistics_api.register(router)

urlpatterns = [
    path("auth/token/", auth_api.TokenLoginView.as_view(), name="token-login"),
    path("auth/token/logout/", auth_api.TokenLogoutView.as_view(), name="token-logout"),
    path("auth/token/logout-all/", auth_api.TokenLogoutAllView.as_view(), name="token-logout-all"),
    *router.urls,
]
