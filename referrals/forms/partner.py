"""Forms of the partner's page (declining, recording the outcome) and the staff's link actions.

The services validate again and decide; these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The centre reads this to find another way; please do not add health details."),
        error_messages={"required": _("Say why the referral is declined.")},
    )


class OutcomeForm(forms.Form):
    successful = forms.TypedChoiceField(
        label=_("How did it go?"),
        choices=[("yes", _("Successful: the person was served")), ("no", _("Not successful"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether it went well.")},
    )
    reason = forms.CharField(
        label=_("The outcome in a few words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the outcome in a few words.")},
    )
