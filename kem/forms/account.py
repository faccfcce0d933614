"""Forms of the log-in's second step, enrolment, re-authentication and the password change.

A code is checked by the view (a write: it uses up a recovery code, moves the throttle); these
forms take a ``check_code`` callable that answers with an error message, or None when it matched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

CodeCheck = Callable[[str], "str | None"]


def code_error(*, ok: bool, wait_seconds: int) -> str | None:
    """The message for a code that did not match (None when it did)."""
    if ok:
        return None
    if wait_seconds:
        return ngettext(
            "Too many wrong codes: try again in %(seconds)d second.",
            "Too many wrong codes: try again in %(seconds)d seconds.",
            wait_seconds,
        ) % {"seconds": wait_seconds}
    return str(_("That code is not right. Check the time on your phone, or use a recovery code."))


def _code_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Log-in code"),
        max_length=32,
        strip=True,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class CodeForm(forms.Form):
    """The log-in's second step, and (``app_only``) the confirmation of a new device."""

    code = _code_field()

    def __init__(self, *args: Any, check_code: CodeCheck, app_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_code = check_code
        if app_only:
            self.fields["code"].help_text = _("The six digits your authenticator app shows.")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        error = self.check_code(code)
        if error:
            raise forms.ValidationError(error, code="wrong_code")
        return code


class ReauthenticateForm(forms.Form):
    """Confirm it is you: the password, and a code when enrolled."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args: Any, request: Any, check_code: CodeCheck | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.check_code = check_code
        if check_code is not None:
            self.fields["code"] = _code_field()
            self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        # The authentication backends decide (and count a wrong password against the account).
        if authenticate(self.request, username=user.get_username(), password=password) != user:
            raise forms.ValidationError(_("That password is not right."), code="wrong_password")
        return password

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        # The code is checked only after a right password: a guess must know both.
        if self.check_code is not None and "password" in self.cleaned_data:
            error = self.check_code(code)
            if error:
                raise forms.ValidationError(error, code="wrong_code")
        elif self.check_code is not None:
            raise forms.ValidationError(_("Give your password first."), code="no_password")
        return code


class PasswordChangeWithCodeForm(PasswordChangeForm):
    """Django's password change (the current password, the new one twice), plus a code when the
    person is enrolled in a second factor."""

    def __init__(self, user: Any, *args: Any, check_code: CodeCheck | None = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.check_code = check_code
        if check_code is not None:
            self.fields["code"] = _code_field()
            self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.check_code is not None:
            if "old_password" not in self.cleaned_data:
                raise forms.ValidationError(_("Give your password first."), code="no_password")
            error = self.check_code(code)
            if error:
                raise forms.ValidationError(error, code="wrong_code")
        return code
