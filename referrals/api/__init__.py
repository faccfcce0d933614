"""The referrals API: each module registers its viewsets on the project's router."""

from referrals.api import directory, referrals


def register(router) -> None:
    directory.register(router)
    referrals.register(router)
