"""How the API tells a caller without credentials what to send: ``401`` and ``WWW-Authenticate``.

DRF answers an unauthenticated call with 401 only if the first authentication class names a
challenge; ``SessionAuthentication`` names none (so 403). This one authenticates exactly as
DRF's does, and names the challenge of the next class on the view that has one (the token
class), so the session can stay first.
"""

from __future__ import annotations

from drf_spectacular import authentication as spectacular_auth
from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate_header(self, request: Request) -> str:
        for authenticator in getattr(request, "authenticators", None) or ():
            if isinstance(authenticator, authentication.SessionAuthentication):
                continue
            header = authenticator.authenticate_header(request)
            if header:
                return str(header)
        return 'Session realm="api"'


class SessionScheme(spectacular_auth.SessionScheme):
    """The schema names it like DRF's session authentication (a cookie)."""

    target_class = "config.api_authentication.SessionAuthentication"
