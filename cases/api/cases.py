"""API: cases (being built)."""


def register(router) -> None:
    pass
