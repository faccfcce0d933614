"""API: interpreters (being built)."""


def register(router) -> None:
    pass
