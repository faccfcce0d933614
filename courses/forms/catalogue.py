"""The catalogue's form: a course. The service validates again (and decides)."""

from __future__ import annotations

from django import forms

from courses.models import Course
from courses.services.catalogue import COURSE_FIELDS


class CourseForm(forms.ModelForm):
    """A course as the manager types it; the level must suit the subject (the model says how)."""

    class Meta:
        model = Course
        fields = list(COURSE_FIELDS)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
