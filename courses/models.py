"""Courses and their classes, lessons, enrolments and waiting lists, attendance and certificates.

A class (τμήμα) is a section of a course at a centre in a cycle. Teachers hold the object
permission ``courses.teach_class`` on each class they teach (django-guardian, direct foreign-key
tables), so a teacher reaches only their own classes. Of a learner a teacher sees the name, the
level and the attendance; nothing else. Who may do what is decided in ``courses/policy.py``.

Certificates carry the holder's name as printed, sealed with the beneficiary's key: erasing the
person makes it unreadable like the rest of their data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from kem.models import Beneficiary, Centre
from kem.vault.fields import SealedCharField
from kem.vault.models import SealedModel


class Subject(models.TextChoices):
    GREEK = "greek", _("Greek")
    ENGLISH = "english", _("English")
    COMPUTERS = "computers", _("Computers")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    A1 = "A1", _("A1")
    A2 = "A2", _("A2")
    B1 = "B1", _("B1")
    B2 = "B2", _("B2")
    C1 = "C1", _("C1")
    C2 = "C2", _("C2")
    BASIC = "basic", _("basic")
    INTERMEDIATE = "intermediate", _("intermediate")


LANGUAGE_SUBJECTS = frozenset({Subject.GREEK, Subject.ENGLISH})
CEFR_LEVELS = frozenset({Level.A1, Level.A2, Level.B1, Level.B2, Level.C1, Level.C2})
SKILL_LEVELS = frozenset({Level.BASIC, Level.INTERMEDIATE})


class Course(models.Model):
    """An entry of the catalogue: a subject at a level, its planned hours and certificate rule."""

    name_el = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    planned_hours = models.PositiveSmallIntegerField(
        _("planned hours"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance needed for a certificate (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    has_final_assessment = models.BooleanField(_("has a final assessment"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["subject", "level", "name_el"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("course-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.subject in LANGUAGE_SUBJECTS and self.level not in CEFR_LEVELS:
            raise ValidationError(
                {
                    "level": ValidationError(
                        _("A language course has a CEFR level (A1 to C2)."), code="level_not_cefr"
                    )
                }
            )
        if self.subject == Subject.COMPUTERS and self.level not in SKILL_LEVELS:
            raise ValidationError(
                {
                    "level": ValidationError(
                        _("A computer course is basic or intermediate."), code="level_not_skill"
                    )
                }
            )

    @property
    def name(self) -> str:
        return self.name_el if (get_language() or "el").startswith("el") else self.name_en


class ClassStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    OPEN = "open", _("open for enrolment")
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    CANCELLED = "cancelled", _("cancelled")


# Statuses in which people may be enrolled or put on the waiting list.
ENROLLING_STATUSES = frozenset({ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING})


class CourseClass(models.Model):
    """A section of a course at a centre in a cycle, with its teachers, schedule and seats."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="classes", verbose_name=_("course")
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="classes", verbose_name=_("centre")
    )
    name = models.CharField(_("class"), max_length=60, help_text=_("For example “Α1 – morning”."))
    cycle = models.CharField(_("cycle"), max_length=40, blank=True)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_classes", verbose_name=_("teachers")
    )
    room = models.CharField(_("room"), max_length=60, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.PLANNED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["-start_date", "name"]
        permissions = [("teach_class", _("Teach the class"))]
        indexes = [models.Index(fields=["centre", "status"], name="courseclass_centre_status")]

    def __str__(self) -> str:
        return f"{self.course} – {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("class-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {
                    "end_date": ValidationError(
                        _("The class cannot end before it starts."), code="ends_before_start"
                    )
                }
            )

    @property
    def seats_taken(self) -> int:
        return self.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def takes_enrolments(self) -> bool:
        return self.status in ENROLLING_STATUSES


class CourseClassUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(CourseClass, on_delete=models.CASCADE)


class CourseClassGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(CourseClass, on_delete=models.CASCADE)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ScheduleSlot(models.Model):
    """One weekly meeting of a class: a weekday and a time."""

    course_class = models.ForeignKey(
        CourseClass, on_delete=models.CASCADE, related_name="slots", verbose_name=_("class")
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("weekly meeting")
        verbose_name_plural = _("weekly meetings")
        ordering = ["weekday", "starts_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": ValidationError(_("A meeting ends after it starts."), code="ends_before_start")}
            )


class ClosedDay(models.Model):
    """A date the manager closed the centre (besides public holidays): no lessons are generated."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="closed_days", verbose_name=_("centre")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["centre", "date"], name="closedday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class LessonStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CANCELLED = "cancelled", _("cancelled")


class Lesson(models.Model):
    """One meeting of a class on a date. Moving a lesson keeps the date it was planned for."""

    course_class = models.ForeignKey(
        CourseClass, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("class")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=LessonStatus.choices, default=LessonStatus.SCHEDULED
    )
    planned_date = models.DateField(_("originally planned for"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    attendance_taken_at = models.DateTimeField(_("attendance taken"), null=True, blank=True)
    attendance_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["date", "starts_at"]
        indexes = [
            models.Index(fields=["course_class", "date"], name="lesson_class_date"),
            models.Index(fields=["date", "status"], name="lesson_date_status"),
        ]

    def __str__(self) -> str:
        return f"{self.course_class} {self.date:%d/%m/%Y} {self.starts_at:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("lesson-sheet", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": ValidationError(_("A lesson ends after it starts."), code="ends_before_start")}
            )

    @property
    def hours(self) -> Decimal:
        start = dt.datetime.combine(self.date, self.starts_at)
        end = dt.datetime.combine(self.date, self.ends_at)
        return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))

    @property
    def is_cancelled(self) -> bool:
        return self.status == LessonStatus.CANCELLED

    def overlaps(self, other: Lesson) -> bool:
        return self.date == other.date and self.starts_at < other.ends_at and other.starts_at < self.ends_at


class EnrolmentStatus(models.TextChoices):
    WAITLISTED = "waitlisted", _("on the waiting list")
    ENROLLED = "enrolled", _("enrolled")
    COMPLETED = "completed", _("completed")
    GRADUATED = "graduated", _("graduated")
    WITHDRAWN = "withdrawn", _("withdrawn")
    DROPPED = "dropped", _("dropped out")


# A person holds at most one of these per class, and per course at a time.
ACTIVE_ENROLMENT = (EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED)


class PlacementSource(models.TextChoices):
    TEST = "test", _("placement test")
    TEACHER = "teacher", _("teacher's judgement")
    NONE = "", _("not placed")


class EnrolmentQuerySet(models.QuerySet):
    def waiting(self) -> EnrolmentQuerySet:
        """The waiting list in order: first come, first served."""
        return self.filter(status=EnrolmentStatus.WAITLISTED).order_by("waitlisted_at", "pk")

    def enrolled(self) -> EnrolmentQuerySet:
        return self.filter(status=EnrolmentStatus.ENROLLED)

    def on_roster(self) -> EnrolmentQuerySet:
        """Everyone who takes or took the class (the attendance sheet and the results)."""
        return self.filter(
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.GRADUATED]
        )


class Enrolment(models.Model):
    """A person on a class: waiting, enrolled, and how it ended."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("beneficiary")
    )
    course_class = models.ForeignKey(
        CourseClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class")
    )
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    placement_level = models.CharField(_("placement level"), max_length=12, choices=Level.choices, blank=True)
    placement_source = models.CharField(
        _("placed by"),
        max_length=8,
        choices=PlacementSource.choices,
        blank=True,
        default=PlacementSource.NONE,
    )
    waitlisted_at = models.DateTimeField(_("put on the waiting list"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    completed = models.BooleanField(_("completed the course"), null=True, blank=True)
    passed_assessment = models.BooleanField(_("passed the final assessment"), null=True, blank=True)
    result_recorded_at = models.DateTimeField(_("result recorded"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "course_class"],
                condition=Q(status__in=["waitlisted", "enrolled"]),
                name="enrolment_one_active_per_class",
            ),
        ]
        indexes = [
            models.Index(fields=["course_class", "status"], name="enrolment_class_status"),
            models.Index(fields=["beneficiary", "status"], name="enrolment_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.course_class} – {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ENROLMENT

    @property
    def is_waiting(self) -> bool:
        return self.status == EnrolmentStatus.WAITLISTED

    @property
    def has_left(self) -> bool:
        return self.status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DROPPED)

    def meets_result_rule(self, attendance_percent: Decimal) -> bool:
        """Completed, passed the assessment if the course has one, and attended enough."""
        course = self.course_class.course
        if not self.completed:
            return False
        if course.has_final_assessment and not self.passed_assessment:
            return False
        return attendance_percent >= course.attendance_threshold


class AttendanceMark(models.TextChoices):
    PRESENT = "present", _("present")
    LATE = "late", _("late")
    EXCUSED = "excused", _("excused absence")
    ABSENT = "absent", _("absent")


# Marks that count as attended when working out the attendance rate.
ATTENDED_MARKS = frozenset({AttendanceMark.PRESENT, AttendanceMark.LATE})


def attendance_rate(attended: int, held: int) -> Decimal | None:
    """Lessons attended over lessons held, in percent to two decimals; None before any is held.

    The one rule behind every attendance figure: the class page, the teacher's pages, the result
    rule and the certificate (pages show it to one decimal).
    """
    if not held:
        return None
    return (Decimal(attended) * 100 / Decimal(held)).quantize(Decimal("0.01"))


class Attendance(models.Model):
    """One learner's mark on one lesson."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("enrolment")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("lesson")
    )
    mark = models.CharField(_("attendance"), max_length=8, choices=AttendanceMark.choices)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance marks")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="attendance_one_mark_per_lesson"),
        ]
        indexes = [models.Index(fields=["lesson", "mark"], name="attendance_lesson_mark")]

    def __str__(self) -> str:
        return self.get_mark_display()

    @property
    def attended(self) -> bool:
        return self.mark in ATTENDED_MARKS


class Certificate(SealedModel):
    """A certificate of attendance (βεβαίωση παρακολούθησης) of a graduate, verifiable by its code.

    The PDF is made from these fields whenever it is asked for, so no copy with the name in it
    is kept. The holder's name as printed is sealed with the beneficiary's key.
    """

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("enrolment")
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=32, unique=True, editable=False)
    holder_name = SealedCharField(_("holder's name as printed"), max_length=300)
    holder_name_latin = SealedCharField(_("holder's name in Latin script"), max_length=300, blank=True)
    hours_attended = models.DecimalField(_("hours attended"), max_digits=7, decimal_places=2)
    attendance_percent = models.DecimalField(_("attendance (%)"), max_digits=5, decimal_places=2)
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    history = HistoricalRecords()

    vault_owner = "enrolment.beneficiary"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "number"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("certificate-pdf", kwargs={"pk": self.pk})

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
