"""API: referrals (being built)."""


def register(router) -> None:
    pass
