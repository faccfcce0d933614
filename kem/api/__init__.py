"""The kem app's REST API; each module registers its viewsets here.

Nothing of DRF's views is imported with the package: DRF's settings import this package's
parsers while DRF's views are being defined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from kem.api import beneficiaries, centres

    centres.register(router)
    beneficiaries.register(router)
