"""REST API for lessons and their attendance, with the same rules as the pages.

- ``GET /lessons/`` and ``/lessons/{id}/``: lessons of the classes the caller may look at (the
  centre's front desk and manager, the class's teacher); another centre's lesson, or a class the
  teacher does not teach, is a 404. Filters: ``date``, ``class``.
- ``GET /lessons/{id}/attendance/``: the lesson's sheet by enrolment (the saved mark, or present
  by default) for the class's teacher and the centre's manager; the front desk gets 403.
- ``PUT /lessons/{id}/attendance/``: save a whole sheet in one request through
  ``attendance_record`` (403 outside the teacher's window, 400 with codes for a cancelled or
  future lesson, an unknown mark or a learner not on the class).

No names: the sheet is keyed by enrolment, so no personal data is opened here (the class roster
of ``courses/api/classes.py`` gives names, traced).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from courses import policy
from courses.models import Attendance, AttendanceMark, Enrolment, Lesson, LessonStatus
from courses.selectors import attendance as selectors
from courses.services.attendance import attendance_record
from kem.api.errors import service_errors
from kem.api.filters import IntegerFilter


class LessonSerializer(serializers.ModelSerializer):
    course_class = serializers.IntegerField(source="course_class_id", read_only=True)
    centre = serializers.IntegerField(source="course_class.centre_id", read_only=True)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    status = serializers.ChoiceField(choices=LessonStatus.choices, read_only=True)
    attendance_taken_by = serializers.IntegerField(
        source="attendance_taken_by_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Lesson
        fields = [
            "id",
            "course_class",
            "centre",
            "date",
            "starts_at",
            "ends_at",
            "hours",
            "status",
            "planned_date",
            "note",
            "attendance_taken_at",
            "attendance_taken_by",
        ]
        read_only_fields = fields


class SheetMarkSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    mark = serializers.ChoiceField(choices=AttendanceMark.choices)


class SheetRowSerializer(SheetMarkSerializer):
    placement_level = serializers.CharField(read_only=True)
    recorded = serializers.BooleanField(
        read_only=True, help_text=_("Whether the mark was saved (else it is the default, present).")
    )
    recorded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    recorded_by = serializers.IntegerField(read_only=True, allow_null=True)


class SheetSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(read_only=True)
    may_edit = serializers.BooleanField(read_only=True)
    lock = serializers.CharField(
        read_only=True,
        help_text=_(
            "Why the sheet may not be changed now: cancelled, not_yet, window_passed; empty if it may."
        ),
    )
    attendance_taken_at = serializers.DateTimeField(read_only=True, allow_null=True)
    marks = SheetRowSerializer(many=True, read_only=True)


class SheetWriteSerializer(serializers.Serializer):
    marks = SheetMarkSerializer(many=True, allow_empty=False)

    def validate_marks(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [row["enrolment"] for row in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each learner appears once."), code="duplicate_enrolment")
        return value


def _sheet(lesson: Lesson, user: Any) -> dict[str, Any]:
    """The lesson's sheet by enrolment: no name is opened (two queries)."""
    enrolments = (
        Enrolment.objects.on_roster()
        .filter(course_class_id=lesson.course_class_id)
        .order_by("pk")
        .values_list("pk", "placement_level")
    )
    saved = {row.enrolment_id: row for row in Attendance.objects.filter(lesson=lesson)}
    lock = policy.sheet_lock(user, lesson)
    return {
        "lesson": lesson.pk,
        "may_edit": not lock,
        "lock": lock,
        "attendance_taken_at": lesson.attendance_taken_at,
        "marks": [
            {
                "enrolment": pk,
                "placement_level": level,
                "mark": saved[pk].mark if pk in saved else AttendanceMark.PRESENT,
                "recorded": pk in saved,
                "recorded_at": saved[pk].recorded_at if pk in saved else None,
                "recorded_by": saved[pk].recorded_by_id if pk in saved else None,
            }
            for pk, level in enrolments
        ],
    }


ERRORS = {400: OpenApiResponse(description=_("Invalid fields, each with its messages and codes."))}


class LessonFilter(filters.FilterSet):
    date = filters.DateFilter()
    course_class = IntegerFilter(field_name="course_class")


# The parameter is ``class``, a word Python keeps for itself: declared above under another name.
LessonFilter.base_filters["class"] = LessonFilter.base_filters.pop("course_class")


class LessonViewSet(viewsets.ReadOnlyModelViewSet):
    """Lessons of the classes the caller may look at; each lesson's attendance sheet."""

    serializer_class = LessonSerializer
    filterset_class = LessonFilter
    queryset = Lesson.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.visible_lessons(self.request.user).order_by("date", "starts_at", "pk")

    @extend_schema(
        methods=["GET"], responses={200: SheetSerializer}, description=_("The lesson's sheet by enrolment.")
    )
    @extend_schema(
        methods=["PUT"],
        request=SheetWriteSerializer,
        responses={200: SheetSerializer, **ERRORS},
        description=_("Save the marks of the learners given (a whole sheet in one request)."),
    )
    @action(detail=True, methods=["get", "put"])
    def attendance(self, request: Request, pk: Any = None) -> Response:
        # 404 for a lesson the caller may not see at all, 403 for the front desk.
        lesson = selectors.lesson_for(request.user, pk)
        if request.method == "PUT":
            payload = SheetWriteSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            marks = {row["enrolment"]: row["mark"] for row in payload.validated_data["marks"]}
            try:
                attendance_record(lesson=lesson, marks=marks, by=request.user)
            except DjangoValidationError as invalid:
                raise service_errors(invalid) from None
            lesson.refresh_from_db(fields=["attendance_taken_at", "attendance_taken_by"])
        return Response(SheetSerializer(_sheet(lesson, request.user)).data)


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the project's router."""
    router.register("lessons", LessonViewSet, basename="lesson")
