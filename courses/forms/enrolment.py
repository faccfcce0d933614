"""Forms of enrolment: enrolling from the class page (a person found by search) or from the
person's profile (a class chosen from those taking enrolments), and ending a place on a class.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import CourseClass, Level, PlacementSource


class PlacementFields(forms.Form):
    placement_level = forms.ChoiceField(
        label=_("Placement level"), choices=[("", _("Not placed yet")), *Level.choices], required=False
    )
    placement_source = forms.ChoiceField(
        label=_("Placed by"),
        choices=[
            ("", _("Not placed yet")),
            *[(value, label) for value, label in PlacementSource.choices if value],
        ],
        required=False,
        help_text=_("A placement test, or the teacher's judgement."),
    )

    def placement(self) -> dict[str, str]:
        return {
            "placement_level": self.cleaned_data["placement_level"],
            "placement_source": self.cleaned_data["placement_source"],
        }


class ClassEnrolForm(PlacementFields):
    """Enrol a person found by the search on the class page."""

    beneficiary = forms.UUIDField(label=_("Person"), widget=forms.HiddenInput)

    field_order = ["beneficiary", "placement_level", "placement_source"]


class PersonEnrolForm(PlacementFields):
    """Enrol the person of the profile into one of the classes taking enrolments."""

    course_class = forms.ModelChoiceField(label=_("Class"), queryset=CourseClass.objects.none())

    field_order = ["course_class", "placement_level", "placement_source"]

    def __init__(self, *args: Any, classes: QuerySet[CourseClass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course_class"].queryset = classes
        self.fields["course_class"].label_from_instance = _class_label


def _class_label(course_class: CourseClass) -> str:
    seats = max(course_class.capacity - getattr(course_class, "enrolled_count", 0), 0)
    where = f"{course_class.centre} · " if course_class.centre_id else ""
    if seats:
        return str(
            _("%(class)s · %(where)s%(start)s · %(seats)s seats left")
            % {
                "class": course_class,
                "where": where,
                "start": f"{course_class.start_date:%d/%m/%Y}",
                "seats": seats,
            }
        )
    return str(
        _("%(class)s · %(where)s%(start)s · full: waiting list")
        % {"class": course_class, "where": where, "start": f"{course_class.start_date:%d/%m/%Y}"}
    )


class WithdrawForm(forms.Form):
    """How an enrolled learner leaves: withdrawn (before or instead of attending) or dropped out."""

    how = forms.ChoiceField(
        label=_("How the person leaves"),
        choices=[("withdrawn", _("Withdrawn")), ("dropped", _("Dropped out"))],
        initial="withdrawn",
        widget=forms.RadioSelect,
        help_text=_("“Dropped out” is for a learner who attended and stopped coming."),
    )
