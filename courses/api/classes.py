"""REST API for the catalogue, classes and enrolments, with the same rules as the pages.

- Courses: staff who read the catalogue (front desk, teachers, managers) list and read them;
  managers add and change them.
- Classes: scoped like ``classes_visible_to`` (a teacher sees only the classes they teach);
  another centre's class, or a class a teacher does not teach, is a 404; changes are for the
  centre's manager (403 for those who only look). Create and change with the weekly schedule,
  set the status and the teachers, generate the lessons.
- Enrolments: the front desk and the manager list, create (enrol or wait) and end them; a teacher
  reads the learners of their classes: the name and the level only. Names are opened from the
  vault only for teachers, and each response holding them leaves an access event per learner.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from courses.models import (
    ClassStatus,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Level,
    PlacementSource,
    Weekday,
)
from courses.policy import may_edit_catalogue, may_enrol, may_read_catalogue
from courses.selectors import classes as selectors
from courses.services import catalogue as catalogue_services
from courses.services import classes as class_services
from courses.services import enrolment as enrolment_services
from courses.services import lessons as lesson_services
from courses.services.catalogue import COURSE_FIELDS
from kem.api.errors import service_errors
from kem.api.filters import IntegerFilter, YesNoFilter
from kem.api.sealed import SealedResponseMixin
from kem.models import Beneficiary, Centre
from kem.permissions import access_for
from kem.selectors.beneficiaries import beneficiaries_visible_to
from kem.services.access_log import Access, access_record_many, role_at

API_LISTED_ACTION = "api.courses.learners.read"
ERRORS = {400: OpenApiResponse(description=gettext_lazy("Invalid fields, each with its messages and codes."))}


def _run(service: Any, **kwargs: Any) -> Any:
    try:
        return service(**kwargs)
    except DjangoValidationError as invalid:
        raise service_errors(invalid) from None


# --- courses -----------------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", *COURSE_FIELDS]

    def create(self, validated_data: dict[str, Any]) -> Course:
        return _run(catalogue_services.course_create, by=self.context["request"].user, data=validated_data)

    def update(self, instance: Course, validated_data: dict[str, Any]) -> Course:
        return _run(
            catalogue_services.course_update,
            course=instance,
            by=self.context["request"].user,
            data=validated_data,
        )


class ReadsCatalogue(BasePermission):
    """Reading for front desk, teachers and managers; writing for managers."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return may_read_catalogue(request.user)
        return may_edit_catalogue(request.user)


class CourseFilter(filters.FilterSet):
    inactive = YesNoFilter(method="filter_inactive", help_text=gettext_lazy("Include inactive courses."))

    def filter_inactive(self, courses: QuerySet[Course], name: str, value: bool) -> QuerySet[Course]:
        return courses if value else courses.filter(active=True)


class CourseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The network's course catalogue."""

    serializer_class = CourseSerializer
    filterset_class = CourseFilter
    permission_classes = [IsAuthenticated, ReadsCatalogue]
    queryset = Course.objects.all()

    def filter_queryset(self, queryset: QuerySet[Course]) -> QuerySet[Course]:
        # The filters choose what the list shows; a course is found by its id, active or not.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


# --- classes -----------------------------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices)
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class ClassSerializer(serializers.Serializer):
    """A class as the API returns it."""

    id = serializers.IntegerField(read_only=True)
    course = serializers.IntegerField(source="course_id", read_only=True)
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    name = serializers.CharField(read_only=True)
    cycle = serializers.CharField(read_only=True)
    room = serializers.CharField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(read_only=True)
    status = serializers.ChoiceField(choices=ClassStatus.choices, read_only=True)
    enrolled = serializers.IntegerField(source="enrolled_count", read_only=True)
    waiting = serializers.IntegerField(source="waiting_count", read_only=True)
    slots = SlotSerializer(many=True, read_only=True)
    teachers = serializers.SerializerMethodField()

    def get_teachers(self, course_class: CourseClass) -> list[int]:
        return [teacher.pk for teacher in course_class.teachers.all()]


class ClassWriteSerializer(serializers.Serializer):
    centre = serializers.IntegerField(
        required=False, help_text=gettext_lazy("A centre you manage; needed to create a class.")
    )
    course = serializers.IntegerField()
    name = serializers.CharField(max_length=60)
    cycle = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    room = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    slots = SlotSerializer(many=True)

    def validate_course(self, value: int) -> Course:
        course = Course.objects.filter(pk=value).first()
        if course is None:
            raise serializers.ValidationError(_("No such course."), code="unknown_course")
        return course

    def validate_centre(self, value: int) -> Centre:
        if value not in access_for(self.context["request"].user).centre_ids:
            raise serializers.ValidationError(_("No such centre among yours."), code="unknown_centre")
        return Centre.objects.get(pk=value)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("centre", None)
        slots = [(s["weekday"], s["starts_at"], s["ends_at"]) for s in data.pop("slots")]
        return {"data": data, "slots": slots}


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClassStatus.choices)


class TeachersSerializer(serializers.Serializer):
    teachers = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class LessonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class SeesClasses(BasePermission):
    """Front desk, managers and teachers use this API; other roles see no class."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_read_catalogue(request.user)


class ClassFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ClassStatus.choices)
    course = IntegerFilter()


@extend_schema_view(
    create=extend_schema(request=ClassWriteSerializer, responses={201: ClassSerializer, **ERRORS}),
    update=extend_schema(request=ClassWriteSerializer, responses={200: ClassSerializer, **ERRORS}),
)
class ClassViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Classes the caller may open; changes for the manager of the class's centre."""

    serializer_class = ClassSerializer
    filterset_class = ClassFilter
    permission_classes = [IsAuthenticated, SeesClasses]
    queryset = CourseClass.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.class_list(user=self.request.user).prefetch_related("slots", "teachers")

    def get_object(self) -> CourseClass:
        course_class = selectors.class_for(self.request.user, self.kwargs["pk"])
        return self._fresh(course_class)

    def _fresh(self, course_class: CourseClass) -> CourseClass:
        return (
            CourseClass.objects.filter(pk=course_class.pk)
            .annotate(
                enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
                waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
            )
            .prefetch_related("slots", "teachers")
            .get()
        )

    def _answer(self, course_class: CourseClass, code: int = status.HTTP_200_OK) -> Response:
        return Response(ClassSerializer(self._fresh(course_class)).data, status=code)

    def create(self, request: Request) -> Response:
        payload = ClassWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        centre = payload.validated_data.get("centre")
        if centre is None:
            raise serializers.ValidationError(
                {"centre": [serializers.ErrorDetail(_("Say which centre the class is at."), code="required")]}
            )
        created = _run(
            class_services.class_create, centre=centre, by=request.user, **payload.service_kwargs()
        )
        return self._answer(created, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: Any = None) -> Response:
        course_class = selectors.class_for(request.user, pk, touch=True)
        payload = ClassWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        _run(
            class_services.class_update,
            course_class=course_class,
            by=request.user,
            **payload.service_kwargs(),
        )
        return self._answer(course_class)

    @extend_schema(request=StatusSerializer, responses={200: ClassSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """Move the class to another status (planned, open, running, finished, cancelled)."""
        course_class = selectors.class_for(request.user, pk, touch=True)
        payload = StatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _run(
            class_services.class_set_status,
            course_class=course_class,
            status=payload.validated_data["status"],
            by=request.user,
        )
        return self._answer(course_class)

    @extend_schema(request=TeachersSerializer, responses={200: ClassSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="teachers")
    def set_teachers(self, request: Request, pk: Any = None) -> Response:
        """Set the class's teachers (teachers of its centre, by user id)."""
        course_class = selectors.class_for(request.user, pk, touch=True)
        payload = TeachersSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = set(payload.validated_data["teachers"])
        users = list(get_user_model().objects.filter(pk__in=wanted))
        if len(users) != len(wanted):
            raise serializers.ValidationError(
                {"teachers": [serializers.ErrorDetail(_("No such user."), code="unknown_user")]}
            )
        _run(class_services.class_set_teachers, course_class=course_class, teachers=users, by=request.user)
        return self._answer(course_class)

    @extend_schema(request=None, responses={201: LessonBriefSerializer(many=True), **ERRORS}, filters=False)
    # The lessons made, as a plain list (not a page).
    @action(detail=True, methods=["post"], url_path="generate-lessons", pagination_class=None)
    def generate_lessons(self, request: Request, pk: Any = None) -> Response:
        """Make the class's missing lessons from its schedule (holidays and closed days skipped)."""
        course_class = selectors.class_for(request.user, pk, touch=True)
        made = _run(lesson_services.lessons_generate, course_class=course_class, by=request.user)
        return Response(LessonBriefSerializer(made, many=True).data, status=status.HTTP_201_CREATED)


# --- enrolments --------------------------------------------------------------------------------


class EnrolmentSerializer(serializers.Serializer):
    """An enrolment as the API returns it. The front desk and the manager get every field but the
    name (they read people through the beneficiaries API); a teacher gets the id, the class, the
    name and the level only (the other fields are absent, not null)."""

    id = serializers.IntegerField(read_only=True)
    course_class = serializers.IntegerField(source="course_class_id", read_only=True)
    # Blank when the person was enrolled without a placement: "" belongs to the schema's enum.
    placement_level = serializers.ChoiceField(choices=Level.choices, allow_blank=True, read_only=True)
    # Not read-only so that the schema does not call them required: they may be absent.
    name = serializers.CharField(required=False, help_text=gettext_lazy("Teachers only."))
    beneficiary = serializers.UUIDField(source="beneficiary_id", required=False)
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices, required=False)
    placement_source = serializers.ChoiceField(choices=PlacementSource.choices, required=False)
    waiting_position = serializers.IntegerField(required=False, allow_null=True)
    waitlisted_at = serializers.DateTimeField(required=False, allow_null=True)
    enrolled_at = serializers.DateTimeField(required=False, allow_null=True)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)

    TEACHER_FIELDS = ("id", "course_class", "name", "placement_level")

    def to_representation(self, instance: Enrolment) -> dict[str, Any]:
        # The view opens the names (teachers only) and works out the places beforehand, in bulk.
        names, positions = self.context["names"], self.context["positions"]
        full = instance.pk not in names
        data: dict[str, Any] = {}
        for name in self.fields if full else self.TEACHER_FIELDS:
            if name == "name":
                if not full:
                    data["name"] = names[instance.pk]
            elif name == "waiting_position":
                data[name] = positions.get(instance.pk)
            else:
                field = self.fields[name]
                value = field.get_attribute(instance)
                data[name] = None if value is None else field.to_representation(value)
        return data


class EnrolmentCreateSerializer(serializers.Serializer):
    course_class = serializers.IntegerField()
    beneficiary = serializers.UUIDField(help_text=gettext_lazy("A person registered at one of your centres."))
    placement_level = serializers.ChoiceField(choices=[("", ""), *Level.choices], required=False, default="")
    placement_source = serializers.ChoiceField(choices=PlacementSource.choices, required=False, default="")

    def validate_beneficiary(self, value: Any) -> Beneficiary:
        person = beneficiaries_visible_to(self.context["request"].user).filter(pk=value).first()
        if person is None:
            raise serializers.ValidationError(_("No such person at your centres."), code="unknown_person")
        return person


class WithdrawSerializer(serializers.Serializer):
    dropped = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("An enrolled learner who attended and stopped.")
    )


class EnrolmentFilter(filters.FilterSet):
    course_class = IntegerFilter()
    status = filters.ChoiceFilter(choices=EnrolmentStatus.choices)


class EnrolmentViewSet(
    SealedResponseMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Enrolments of the caller's centres (front desk, manager), or the learners of the classes a
    teacher teaches (name and level)."""

    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    permission_classes = [IsAuthenticated, SeesClasses]
    queryset = Enrolment.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        rows = selectors.enrolments_visible_to(user=self.request.user)
        return rows.order_by("course_class_id", "created_at", "pk")

    def _read(self, enrolments: list[Enrolment]) -> list[dict[str, Any]]:
        """Serialise: the full record for those who enrol people at the class's centre, the name
        and level for a teacher, with one access event per learner whose name is shown (one
        INSERT) and the waiting places worked out in one query."""
        user = self.request.user
        names, accesses = {}, []
        for enrolment in enrolments:
            centre_id = enrolment.course_class.centre_id
            if may_enrol(user, centre_id):
                continue
            names[enrolment.pk], fields = selectors.learner_name(enrolment.beneficiary)
            if fields:
                accesses.append(
                    Access(
                        subject=enrolment.beneficiary,
                        fields=fields,
                        centre_id=centre_id,
                        role=role_at(user, centre_id),
                    )
                )
        context = {
            **self.get_serializer_context(),
            "names": names,
            "positions": selectors.waiting_positions(enrolments=enrolments),
        }
        data = EnrolmentSerializer(enrolments, many=True, context=context).data
        access_record_many(user=user, action=API_LISTED_ACTION, accesses=accesses, request=self.request)
        return data

    @extend_schema(request=EnrolmentCreateSerializer, responses={201: EnrolmentSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """Enrol a person, or put them on the waiting list when the class is full."""
        if not selectors.enrolling_centre_ids(request.user):
            raise PermissionDenied
        payload = EnrolmentCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        course_class = selectors.class_for(request.user, data["course_class"])
        if not may_enrol(request.user, course_class.centre_id):
            raise PermissionDenied
        enrolment = _run(
            enrolment_services.enrolment_create,
            course_class=course_class,
            beneficiary=data["beneficiary"],
            by=request.user,
            placement_level=data["placement_level"],
            placement_source=data["placement_source"],
        )
        return Response(self._read([enrolment])[0], status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer, responses={200: EnrolmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """End a place: off the waiting list, withdrawn, or (``dropped``) dropped out. A freed seat
        goes to the first suitable person waiting."""
        enrolment = selectors.enrolment_for(request.user, pk)
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if enrolment.is_waiting and not payload.validated_data["dropped"]:
            _run(enrolment_services.waitlist_leave, enrolment=enrolment, by=request.user)
        else:
            _run(
                enrolment_services.enrolment_withdraw,
                enrolment=enrolment,
                by=request.user,
                dropped=payload.validated_data["dropped"],
            )
        return Response(self._read([selectors.enrolment_for(request.user, pk)])[0])


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the project's router."""
    router.register("courses", CourseViewSet, basename="course")
    router.register("classes", ClassViewSet, basename="class")
    router.register("enrolments", EnrolmentViewSet, basename="enrolment")
