from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kem.models import Discipline, Role
from kem.validators import validate_name


class MembershipGrantForm(forms.Form):
    """Add a person to the centre's staff: an existing account, or a new one with a first password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    discipline = forms.ChoiceField(
        label=_("Discipline"),
        choices=[("", _("— only for counsellors —")), *Discipline.choices],
        required=False,
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=150, required=False, validators=[validate_name]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False, validators=[validate_name]
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("First password (new accounts only)"),
        widget=forms.PasswordInput(render_value=True),
        required=False,
        help_text=_("Leave empty to add an existing account."),
    )

    def clean(self) -> dict:
        data = super().clean()
        username = data.get("username")
        if not username:
            return data
        user = get_user_model().objects.filter(username=username).first()
        data["user"] = user
        if data.get("role") == Role.COUNSELLOR and not data.get("discipline"):
            self.add_error(
                "discipline", ValidationError(_("A counsellor needs a discipline."), code="required")
            )
        if data.get("role") != Role.COUNSELLOR and data.get("discipline"):
            self.add_error(
                "discipline", ValidationError(_("Only counsellors have a discipline."), code="invalid")
            )
        if user is None:
            password = data.get("password")
            if not password:
                self.add_error(
                    "password",
                    ValidationError(
                        _("No account is called %(username)s; give a first password to create it."),
                        code="required",
                        params={"username": username},
                    ),
                )
            else:
                candidate = get_user_model()(
                    username=username, first_name=data.get("first_name", ""), email=data.get("email", "")
                )
                try:
                    password_validation.validate_password(password, candidate)
                except ValidationError as exc:
                    self.add_error("password", exc)
        return data
