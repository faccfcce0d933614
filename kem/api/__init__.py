"""The kem app's REST API; each module registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from kem.api import beneficiaries, centres


def register(router: DefaultRouter) -> None:
    centres.register(router)
    beneficiaries.register(router)
