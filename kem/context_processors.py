from __future__ import annotations

from django.http import HttpRequest

from kem.navigation import items_for
from kem.permissions import access_for


def navigation(request: HttpRequest) -> dict:
    """The navigation entries the signed-in user's permissions lead to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(access_for(user))}
