"""Forms of classes: the class and its weekly schedule, its teachers and status, moving and
cancelling a lesson, closed days, and the class list's filters.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import ClassStatus, Course, CourseClass, Weekday
from kem.forms.widgets import DateInput
from kem.models import Centre

DATE_WIDGET = {"widget": DateInput()}
TIME_WIDGET = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


def _user_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class ClassFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ClassStatus.choices], required=False
    )
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.all(), required=False, empty_label=_("Any course")
    )

    def filters(self) -> dict[str, Any]:
        """The filters typed, or none when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "course": self.cleaned_data["course"]}


class ClassForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none())
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    name = forms.CharField(label=_("Class"), max_length=60, help_text=_("For example “Α1 – morning”."))
    cycle = forms.CharField(label=_("Cycle"), max_length=40, required=False)
    room = forms.CharField(label=_("Room"), max_length=60, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=500)
    start_date = forms.DateField(label=_("Start date"), **DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), **DATE_WIDGET)

    def __init__(
        self,
        *args: Any,
        centres: QuerySet[Centre] | None = None,
        course_class: CourseClass | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # An inactive course takes no new class, but a class of one stays editable.
        courses = Q(active=True) | Q(pk=course_class.course_id) if course_class else Q(active=True)
        self.fields["course"].queryset = Course.objects.filter(courses)
        if course_class is not None or centres is None or len(centres) == 1:
            del self.fields["centre"]
            self.centre = course_class.centre if course_class else (centres[0] if centres else None)
        else:
            self.fields["centre"].queryset = centres
            self.centre = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "centre" in self.fields and data.get("centre"):
            self.centre = data["centre"]
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "centre"}


class SlotForm(forms.Form):
    """One weekly meeting; a row left empty is ignored."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "---------"), *Weekday.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    starts_at = forms.TimeField(label=_("Starts at"), required=False, **TIME_WIDGET)
    ends_at = forms.TimeField(label=_("Ends at"), required=False, **TIME_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [data.get(name) is not None for name in ("weekday", "starts_at", "ends_at")]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Give the day, the start and the end."), code="slot_incomplete")
        return data

    @property
    def slot(self) -> tuple[int, dt.time, dt.time] | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("weekday") is None:
            return None
        return (data["weekday"], data["starts_at"], data["ends_at"])


SlotFormSet = forms.formset_factory(SlotForm, extra=3, max_num=14, validate_max=True)


def slot_formset(data: Any = None, *, course_class: CourseClass | None = None) -> Any:
    """The schedule's rows: the class's weekly meetings (when editing) and empty rows to add more."""
    initial = []
    if course_class is not None:
        initial = [
            {"weekday": s.weekday, "starts_at": s.starts_at, "ends_at": s.ends_at}
            for s in course_class.slots.all()
        ]
    formset = SlotFormSet(data, initial=initial, prefix="slots")
    formset.extra = 2 if initial else 3
    return formset


def slots_of(formset: Any) -> list[tuple[int, dt.time, dt.time]]:
    return [form.slot for form in formset.forms if form.slot is not None]


class TeachersForm(forms.Form):
    teachers = forms.ModelMultipleChoiceField(
        label=_("Teachers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Teachers of the centre. Each one sees this class, its learners' names, levels and attendance."
        ),
    )

    def __init__(self, *args: Any, teachers: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers
        self.fields["teachers"].label_from_instance = _user_label


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ClassStatus.choices)


class LessonMoveForm(forms.Form):
    date = forms.DateField(label=_("Date"), **DATE_WIDGET)
    starts_at = forms.TimeField(label=_("Starts at"), **TIME_WIDGET)
    ends_at = forms.TimeField(label=_("Ends at"), **TIME_WIDGET)


class LessonCancelForm(forms.Form):
    note = forms.CharField(
        label=_("Why"),
        max_length=200,
        required=False,
        help_text=_("The teacher and the front desk see it, for example “teacher ill”."),
    )


class ClosedDayForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none())
    date = forms.DateField(label=_("Date"), **DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"), max_length=120, required=False, help_text=_("For example “municipal holiday”.")
    )

    def __init__(self, *args: Any, centres: QuerySet[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        if len(centres) == 1:
            self.fields["centre"].initial = centres[0].pk
            self.fields["centre"].widget = forms.HiddenInput()
