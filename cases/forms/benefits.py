"""Forms for application help and the list of administrative services. The services validate
again; these keep what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ApplicationStatus, BenefitApplication, BenefitService, Case
from cases.services.benefits import NEXT_STATUSES
from kem.forms.widgets import DateInput


class BenefitServiceForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("A short stable name in Latin letters, e.g. “amka”. It cannot change later."),
    )
    name_el = forms.CharField(label=_("Name (Greek)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)


class BenefitServiceEditForm(forms.Form):
    name_el = forms.CharField(label=_("Name (Greek)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    active = forms.BooleanField(
        label=_("Offered"),
        required=False,
        help_text=_("Untick to stop offering it for new applications; those already started keep it."),
    )


class ApplicationStartForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=BenefitService.objects.none(), empty_label=_("Choose a service")
    )
    case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("No case"),
        help_text=_("The person's open case this help belongs to, if any."),
    )
    started_on = forms.DateField(label=_("Started on"), initial=timezone.localdate, widget=DateInput())

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = BenefitService.objects.filter(active=True)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda case: case.get_area_display()
        if not cases.exists():
            del self.fields["case"]


class ApplicationUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    submitted_on = forms.DateField(
        label=_("Submitted on"),
        required=False,
        widget=DateInput(),
        help_text=_("Today if left empty when marking it submitted."),
    )
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=DateInput(),
        help_text=_("For a decision: today if left empty."),
    )

    def __init__(self, *args: Any, application: BenefitApplication, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"submitted_on": application.submitted_on})
        super().__init__(*args, **kwargs)
        allowed = NEXT_STATUSES.get(application.status, ())
        self.fields["status"].choices = [(s, ApplicationStatus(s).label) for s in allowed]


class ApplicationFilterForm(forms.Form):
    """The list's filters; an unknown value is ignored rather than an error."""

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=BenefitService.objects.all(),
        required=False,
        empty_label=_("All services"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ApplicationStatus.choices], required=False
    )
