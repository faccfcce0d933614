"""Forms of the teacher's pages: a lesson's sheet, a class's results, and the public code check.

The sheet and results forms have one field per learner, named by enrolment id (never by name),
so a POST can be read without opening anyone's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import AttendanceMark, Enrolment


def mark_field_name(enrolment_id: int) -> str:
    return f"mark_{enrolment_id}"


class SheetForm(forms.Form):
    """A radio group per learner; everyone present unless a mark was saved."""

    def __init__(
        self, *args: Any, enrolment_ids: Iterable[int], initial_marks: dict[int, str], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.enrolment_ids = list(enrolment_ids)
        for pk in self.enrolment_ids:
            self.fields[mark_field_name(pk)] = forms.ChoiceField(
                label=_("attendance"),
                choices=AttendanceMark.choices,
                initial=initial_marks.get(pk, AttendanceMark.PRESENT),
                widget=forms.RadioSelect,
            )

    def marks(self) -> dict[int, str]:
        """Enrolment id -> mark, from valid data."""
        return {pk: self.cleaned_data[mark_field_name(pk)] for pk in self.enrolment_ids}


PASSED_CHOICES = [("", _("not assessed")), ("yes", _("passed")), ("no", _("did not pass"))]


class ResultsForm(forms.Form):
    """Per learner: completed the course (a checkbox) and, if the course has a final assessment,
    whether they passed it."""

    def __init__(self, *args: Any, enrolments: Iterable[Enrolment], has_assessment: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.enrolments = list(enrolments)
        self.has_assessment = has_assessment
        for enrolment in self.enrolments:
            recorded = enrolment.result_recorded_at is not None
            # Until a result is recorded, "completed" starts ticked: most learners who are still
            # on the roster at the end did complete, and the attendance rule guards the rest.
            self.fields[f"completed_{enrolment.pk}"] = forms.BooleanField(
                label=_("completed the course"),
                required=False,
                initial=bool(enrolment.completed) if recorded else True,
            )
            if has_assessment:
                passed = enrolment.passed_assessment
                self.fields[f"passed_{enrolment.pk}"] = forms.ChoiceField(
                    label=_("final assessment"),
                    choices=PASSED_CHOICES,
                    required=False,
                    initial="" if passed is None else ("yes" if passed else "no"),
                )

    def results(self) -> dict[int, dict[str, bool | None]]:
        results: dict[int, dict[str, bool | None]] = {}
        for enrolment in self.enrolments:
            passed = self.cleaned_data.get(f"passed_{enrolment.pk}", "")
            results[enrolment.pk] = {
                "completed": self.cleaned_data[f"completed_{enrolment.pk}"],
                "passed": None if not passed else passed == "yes",
            }
        return results


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=64,
        help_text=_("As printed under the QR code, for example 7K2QF-M9XHD-R4TZA-0WBCE."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
