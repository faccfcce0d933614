"""Forms for cases, sessions and outcomes. The services validate again; these keep what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models import (
    CLOSE_REASONS_TO_CHOOSE,
    InterpreterRequest,
    OpenReason,
    OutcomeKind,
    ServiceArea,
    SessionMode,
    SessionStatus,
)
from cases.services.cases import MAX_SESSION_MINUTES
from kem.forms.widgets import DateInput

STATES = [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _person_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class CounsellorField(forms.ModelChoiceField):
    """A counsellor of the centre, shown with their discipline (``counsellors_at`` gives them)."""

    def __init__(self, counsellors: list[Any], **kwargs: Any) -> None:
        self.disciplines = {c.user_id: c.get_discipline_display() for c in counsellors}
        users = get_user_model().objects.filter(pk__in=[c.user_id for c in counsellors])
        super().__init__(queryset=users, **kwargs)
        # Keep the given order (by name) rather than the database's.
        self.choices = [("", self.empty_label or "—")] + [
            (c.user_id, self._label(c.user)) for c in counsellors
        ]

    def _label(self, user: Any) -> str:
        return f"{_person_name(user)} ({self.disciplines.get(user.pk, '')})"


class CaseOpenForm(forms.Form):
    area = forms.ChoiceField(label=_("Service area"), choices=[("", "—"), *ServiceArea.choices])
    open_reason = forms.ChoiceField(label=_("Why it is opened"), choices=OpenReason.choices)

    def __init__(self, *args: Any, counsellors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counsellor"] = CounsellorField(
            counsellors,
            label=_("Counsellor"),
            help_text=_("A counsellor of the area's discipline holds the case."),
        )
        self.order_fields(["area", "counsellor", "open_reason"])


class CaseCloseForm(forms.Form):
    close_reason = forms.ChoiceField(
        label=_("Why it is closed"), choices=[("", "—"), *CLOSE_REASONS_TO_CHOOSE]
    )
    closed_on = forms.DateField(label=_("Closed on"), initial=timezone.localdate, widget=DateInput())


class CaseReassignForm(forms.Form):
    def __init__(self, *args: Any, counsellors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counsellor"] = CounsellorField(counsellors, label=_("New counsellor"))


class InterpreterRequestField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InterpreterRequest) -> str:
        when = date_format(timezone.localtime(obj.starts_at), "d/m/Y H:i")
        return f"{obj.language} · {when} · {obj.get_status_display()}"


class SessionScheduleForm(forms.Form):
    """An appointment (or, with ``held``, a session that already took place)."""

    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_datetime_input())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=MAX_SESSION_MINUTES, initial=45
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=SessionMode.choices)

    def __init__(self, *args: Any, interpreter_requests: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interpreter_request"] = InterpreterRequestField(
            queryset=interpreter_requests,
            required=False,
            label=_("Interpreter"),
            empty_label=_("No interpreter"),
            help_text=_("The person's open interpreter requests at this centre."),
        )


class SessionRecordForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Seen by the centre's counsellors and manager."),
    )
    confidential_note = forms.CharField(
        label=_("Confidential note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen only by the counsellors of this case's discipline."),
    )
    follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=DateInput())


class SessionLogForm(SessionScheduleForm, SessionRecordForm):
    """A session held without an appointment: when and how, and what happened."""

    field_order = [
        "starts_at",
        "duration_minutes",
        "mode",
        "interpreter_request",
        "summary",
        "confidential_note",
        "follow_up_on",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)


class SessionMarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Mark the appointment as"),
        choices=[(s.value, s.label) for s in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)],
        widget=forms.RadioSelect,
    )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *OutcomeKind.choices])
    achieved_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())


class CaseFilterForm(forms.Form):
    """The case list's filters (a GET form: nothing personal in it)."""

    centre = forms.TypedChoiceField(label=_("Centre"), coerce=int, required=False)
    counsellor = forms.TypedChoiceField(label=_("Counsellor"), coerce=int, required=False, empty_value=None)
    area = forms.ChoiceField(
        label=_("Area"), choices=[("", _("All areas")), *ServiceArea.choices], required=False
    )
    state = forms.ChoiceField(label=_("Cases"), choices=STATES, required=False)

    def __init__(self, *args: Any, centres: list[Any], counsellors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [(c.pk, c.name) for c in centres]
        self.fields["counsellor"].choices = [("", _("All counsellors"))] + [
            (c.user_id, f"{_person_name(c.user)} ({c.get_discipline_display()})") for c in counsellors
        ]
