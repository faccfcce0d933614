from __future__ import annotations

import pytest

from kem import services


@pytest.fixture
def register(athens, officer):
    """register(**fields) -> a beneficiary registered at Athens by the officer (no duplicate check)."""

    def make(centre=None, by=None, **data):
        data.setdefault("given_name", "Μαρία")
        data.setdefault("family_name", "Παπαδοπούλου")
        return services.beneficiary_register(
            centre=centre or athens, by=by or officer, data=data, check_duplicates=False
        )

    return make
