"""The counselling API: each module registers its viewsets on the project's router."""

from cases.api import cases, interpreters


def register(router) -> None:
    cases.register(router)
    interpreters.register(router)
