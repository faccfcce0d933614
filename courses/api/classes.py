"""API of this part of the courses app (being built)."""


def register(router) -> None:
    """Register this module's viewsets on the project's router."""
