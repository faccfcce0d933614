"""The courses API: each module registers its viewsets on the project's router."""

from courses.api import attendance, classes


def register(router) -> None:
    classes.register(router)
    attendance.register(router)
