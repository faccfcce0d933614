"""Figures about classes for statistics: classes by course and status, how their enrolments
ended, attendance, waiting lists and waiting times.

A class belongs to a period when its dates overlap the period. Counts are of enrolments (seats
taken, ``enrolled_at`` set; a person who only waited is not one) unless named otherwise. Every
figure is computed in the database in a fixed number of queries (five), whatever the number of
classes, and nothing here names a person. Scoping to what a user may see is the caller's job
(``reports.scope.scope_for``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from courses.models import (
    ATTENDED_MARKS,
    Attendance,
    ClassStatus,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    LessonStatus,
)

# How an enrolment stands (or ended): a partition of the enrolments that took a seat.
OUTCOMES = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.GRADUATED,
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.DROPPED,
)


@dataclass
class CourseFigure:
    """One course's classes that overlap the period, at the given centres."""

    course_id: int
    name: str
    subject: str
    level: str
    classes: dict[str, int] = field(default_factory=dict)  # ClassStatus -> classes
    outcomes: dict[str, int] = field(default_factory=dict)  # EnrolmentStatus (OUTCOMES) -> enrolments
    learners: int = 0  # unique persons who took a seat
    waiting: int = 0  # people on the waiting lists now
    attended: int = 0  # attendance marks present or late, on lessons in the period
    not_attended: int = 0  # absent or excused
    waiting_days: list[float] = field(default_factory=list, repr=False)

    @property
    def enrolments(self) -> int:
        return sum(self.outcomes.values())

    @property
    def graduates(self) -> int:
        return self.outcomes.get(EnrolmentStatus.GRADUATED, 0)

    @property
    def completions(self) -> int:
        """Completed the course, graduated or not."""
        return self.outcomes.get(EnrolmentStatus.COMPLETED, 0) + self.graduates

    @property
    def dropouts(self) -> int:
        return self.outcomes.get(EnrolmentStatus.DROPPED, 0) + self.outcomes.get(EnrolmentStatus.WITHDRAWN, 0)

    @property
    def attendance_rate(self) -> float | None:
        marked = self.attended + self.not_attended
        return self.attended / marked if marked else None

    @property
    def median_waiting_days(self) -> float | None:
        return statistics.median(self.waiting_days) if self.waiting_days else None


@dataclass
class CourseFigures:
    by_course: list[CourseFigure]

    def _sum(self, name: str) -> int:
        return sum(getattr(figure, name) for figure in self.by_course)

    @property
    def classes(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for figure in self.by_course:
            for status, n in figure.classes.items():
                totals[status] = totals.get(status, 0) + n
        return totals

    @property
    def enrolments(self) -> int:
        return self._sum("enrolments")

    @property
    def graduates(self) -> int:
        return self._sum("graduates")

    @property
    def waiting(self) -> int:
        return self._sum("waiting")

    @property
    def attendance_rate(self) -> float | None:
        attended, missed = self._sum("attended"), self._sum("not_attended")
        return attended / (attended + missed) if attended + missed else None

    @property
    def median_waiting_days(self) -> float | None:
        days = [d for figure in self.by_course for d in figure.waiting_days]
        return statistics.median(days) if days else None


def course_figures(*, centre_ids: Iterable[int], start: dt.date, end: dt.date) -> CourseFigures:
    """Classes of ``centre_ids`` whose dates overlap ``start``..``end``, per course: classes by
    status, enrolments by outcome, unique learners, people waiting now, attendance marks on the
    period's lessons (present or late = attended), and days waited by those who got a seat from
    the waiting list in the period. Courses in catalogue order; five queries."""
    classes = CourseClass.objects.filter(
        centre_id__in=list(centre_ids), start_date__lte=end, end_date__gte=start
    )
    figures: dict[int, CourseFigure] = {}

    def figure(course_id: int) -> CourseFigure:
        if course_id not in figures:
            figures[course_id] = CourseFigure(course_id=course_id, name="", subject="", level="")
        return figures[course_id]

    for row in classes.values("course_id", "status").annotate(n=Count("pk")).order_by():
        figure(row["course_id"]).classes[row["status"]] = row["n"]

    seated = Q(enrolled_at__isnull=False)
    outcome_counts = {status: Count("pk", filter=seated & Q(status=status)) for status in OUTCOMES}
    enrolments = (
        Enrolment.objects.filter(course_class__in=classes)
        .values("course_class__course_id")
        .annotate(
            **outcome_counts,
            learners=Count("beneficiary", filter=seated, distinct=True),
            waiting=Count("pk", filter=Q(status=EnrolmentStatus.WAITLISTED)),
        )
        .order_by()
    )
    for row in enrolments:
        item = figure(row["course_class__course_id"])
        item.outcomes = {status: row[status] for status in OUTCOMES}
        item.learners = row["learners"]
        item.waiting = row["waiting"]

    marks = (
        Attendance.objects.filter(
            lesson__course_class__in=classes,
            lesson__status=LessonStatus.SCHEDULED,
            lesson__date__gte=start,
            lesson__date__lte=end,
        )
        .values("lesson__course_class__course_id")
        .annotate(
            attended=Count("pk", filter=Q(mark__in=list(ATTENDED_MARKS))),
            not_attended=Count("pk", filter=~Q(mark__in=list(ATTENDED_MARKS))),
        )
        .order_by()
    )
    for row in marks:
        item = figure(row["lesson__course_class__course_id"])
        item.attended, item.not_attended = row["attended"], row["not_attended"]

    promoted = Enrolment.objects.filter(
        course_class__centre_id__in=list(centre_ids),
        waitlisted_at__isnull=False,
        enrolled_at__date__gte=start,
        enrolled_at__date__lte=end,
    ).values_list("course_class__course_id", "waitlisted_at", "enrolled_at")
    for course_id, waitlisted_at, enrolled_at in promoted:
        days = max((enrolled_at - waitlisted_at).total_seconds(), 0) / 86400
        figure(course_id).waiting_days.append(round(days, 1))

    for course in Course.objects.filter(pk__in=list(figures)):
        item = figures[course.pk]
        item.name, item.subject, item.level = course.name, course.subject, course.level
    ordered = sorted(figures.values(), key=lambda f: (f.subject, f.level, f.name, f.course_id))
    for item in ordered:
        for status in ClassStatus.values:
            item.classes.setdefault(status, 0)
        for status in OUTCOMES:
            item.outcomes.setdefault(status, 0)
    return CourseFigures(by_course=ordered)
