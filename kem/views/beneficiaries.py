"""Pages: the front desk's beneficiaries — register, find, profile, reveal, edit and history.

Every page that shows a person's sealed data leaves an access event; search text travels only in
POST bodies and is never logged or stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kem import services
from kem.choices import LANGUAGES, DocumentKind, DocumentStatus
from kem.forms.beneficiaries import BeneficiaryForm
from kem.models import Beneficiary, Centre, DuplicateDecision, RevealReason
from kem.permissions import CentrePerm, access_for, may, visible_centres
from kem.selectors import beneficiaries as registry
from kem.selectors.beneficiaries import beneficiaries_visible_to
from kem.selectors.people import profile_people_context
from kem.selectors.timeline import beneficiary_changes, beneficiary_timeline, profile_actions
from kem.services.access_log import access_record
from kem.services.beneficiaries import id_numbers_of

# Sealed fields the profile header shows (names are shown: that is why a view is logged).
PROFILE_FIELDS = ("given_name", "family_name", "given_name_latin", "family_name_latin")
# Sealed fields the edit form shows.
EDIT_FIELDS = (
    *PROFILE_FIELDS,
    "phone",
    "father_name",
    "mother_name",
    "email",
    "address",
    "date_of_birth",
    "documents",
    "notes",
)
# What a reveal opens: group -> (label, sealed fields).
REVEAL_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "documents": (gettext_lazy("Identity documents"), ("documents",)),
    "personal": (
        gettext_lazy("Date of birth, contact details and parents' names"),
        ("date_of_birth", "phone", "address", "email", "father_name", "mother_name"),
    ),
    "notes": (gettext_lazy("Notes"), ("notes",)),
}
DECISION_PREFIX = "decision_"


class CentreChoiceForm(forms.Form):
    """Where a person is registered, for staff who serve beneficiaries at several centres."""

    centre = forms.ModelChoiceField(
        label=gettext_lazy("Register at"), queryset=Centre.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args: Any, centres: list[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.centres = centres
        self.fields["centre"].queryset = Centre.objects.filter(pk__in=[c.pk for c in centres])
        self.fields["centre"].initial = centres[0].pk

    def chosen(self) -> Centre:
        return self.cleaned_data.get("centre") or self.centres[0]


class RevealForm(forms.Form):
    group = forms.ChoiceField(
        label=gettext_lazy("What to reveal"),
        choices=[(key, label) for key, (label, _fields) in REVEAL_GROUPS.items()],
        initial="documents",
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Why you need to see it"),
        choices=[("", "—"), *RevealReason.choices],
        error_messages={"required": gettext_lazy("Choose why you need to see these details.")},
    )


# --- register ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_new(request: HttpRequest) -> HttpResponse:
    """Register a person; possible duplicates stop the save until the officer decides."""
    centres = list(visible_centres(request.user, CentrePerm.SERVE).order_by("name_el"))
    if not centres:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = _beneficiary_form(data)
    place = CentreChoiceForm(data, centres=centres)
    check = None
    if request.method == "POST" and form.is_valid() and place.is_valid():
        try:
            beneficiary = services.beneficiary_register(
                centre=place.chosen(),
                by=request.user,
                data=form.service_data(),
                decisions=_decisions(request.user, request.POST),
            )
        except services.DuplicateFound as found:
            check = found.check
            # The decision comes first now: the panel takes the focus.
            form.fields["given_name"].widget.attrs.pop("autofocus", None)
        except ValidationError as invalid:
            _add_service_errors(form, invalid)
        else:
            messages.success(request, _("The person is registered."))
            return redirect(beneficiary)
    return render(
        request,
        "kem/beneficiaries/register.html",
        {
            "form": form,
            "place": place,
            "check": check,
            "candidates": _candidates(check, request.POST),
            "optional_open": any(f.errors for f in form.optional()),
        },
    )


def _beneficiary_form(data: QueryDict | None, **kwargs: Any) -> BeneficiaryForm:
    form = BeneficiaryForm(data, **kwargs)
    form.fields["given_name"].widget.attrs["autofocus"] = True
    return form


def _decisions(user: Any, post: QueryDict) -> dict[str, str]:
    """{candidate id: "different" | "same"} from the radio buttons, for people the user may see."""
    wanted: dict[str, str] = {}
    for key, value in post.items():
        if not key.startswith(DECISION_PREFIX) or value not in DuplicateDecision.Decision.values:
            continue
        try:
            wanted[str(uuid.UUID(key.removeprefix(DECISION_PREFIX)))] = value
        except ValueError:
            continue
    if not wanted:
        return {}
    visible = beneficiaries_visible_to(user).filter(pk__in=list(wanted)).values_list("pk", flat=True)
    return {str(pk): wanted[str(pk)] for pk in visible}


def _candidates(check: registry.DuplicateCheck | None, post: QueryDict) -> list[tuple[Beneficiary, str]]:
    """Similar people with the decision already chosen for each (re-rendering keeps it)."""
    if check is None or check.same_id:
        return []
    return [(person, post.get(f"{DECISION_PREFIX}{person.pk}", "")) for person in check.similar]


def _add_service_errors(form: forms.Form, invalid: ValidationError) -> None:
    """Put the service's validation errors next to their fields (or on top when not on the form)."""
    if not hasattr(invalid, "error_dict"):
        form.add_error(None, invalid)
        return
    for name, errors in invalid.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# --- find --------------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    """The front desk's search page; a plain POST (no JavaScript) renders it with the results."""
    _require_serving(request.user)
    context = _search(request) if request.method == "POST" else {"query": ""}
    return render(request, "kem/beneficiaries/list.html", context)


@login_required
@never_cache
@require_POST
def beneficiary_search(request: HttpRequest) -> HttpResponse:
    """The results partial for search-as-you-type."""
    _require_serving(request.user)
    return render(request, "kem/beneficiaries/_results.html", _search(request))


def _require_serving(user: Any) -> None:
    if not visible_centres(user, CentrePerm.SERVE).exists():
        raise PermissionDenied


def _search(request: HttpRequest) -> dict[str, Any]:
    """Run a search and trace that this user searched (when, not for what)."""
    query = request.POST.get("q", "")
    searched = len(query.strip()) >= 2
    results = registry.beneficiary_search(user=request.user, query=query) if searched else []
    if results:
        # One query for the centres instead of one per row (the search does not join them).
        centres = {c.pk: c for c in visible_centres(request.user, CentrePerm.SERVE)}
        for candidate in results:
            candidate.person.registering_centre = centres[candidate.person.registering_centre_id]
    if searched:
        access_record(
            user=request.user,
            action="kem.beneficiary.searched",
            subject_type=Beneficiary._meta.label_lower,
            role=",".join(sorted(access_for(request.user).roles)),
            request=request,
        )
    return {"query": query, "searched": searched, "results": [c.person for c in results]}


# --- profile and reveal ------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def beneficiary_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    beneficiary = registry.beneficiary_for(request.user, pk)
    _trace(request, beneficiary, "kem.beneficiary.viewed", _with_value(beneficiary, PROFILE_FIELDS))
    context = {
        "beneficiary": beneficiary,
        "languages": _language_labels(beneficiary.languages),
        "timeline": beneficiary_timeline(beneficiary=beneficiary, user=request.user),
        "actions": profile_actions(beneficiary=beneficiary, user=request.user),
        "can_see_history": may(request.user, CentrePerm.MANAGE, beneficiary.registering_centre_id),
        "reveal_form": RevealForm(),
        **profile_people_context(beneficiary=beneficiary, user=request.user),
    }
    return render(request, "kem/beneficiaries/detail.html", context)


@login_required
@never_cache
@require_POST
def beneficiary_reveal(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Show one group of hidden details, for a stated reason (asked every time)."""
    beneficiary = registry.beneficiary_for(request.user, pk)
    form = RevealForm(request.POST)
    context: dict[str, Any] = {"beneficiary": beneficiary, "reveal_form": form}
    if form.is_valid():
        group = form.cleaned_data["group"]
        label, fields = REVEAL_GROUPS[group]
        _trace(request, beneficiary, "kem.beneficiary.revealed", fields, reason=form.cleaned_data["reason"])
        context.update(revealed=group, revealed_label=label)
        if group == "documents":
            context["documents"] = _documents(beneficiary)
        context["reveal_form"] = RevealForm()
    template = "kem/beneficiaries/_reveal.html" if request.htmx else "kem/beneficiaries/reveal_page.html"
    return render(request, template, context)


def _trace(
    request: HttpRequest, beneficiary: Beneficiary, action: str, fields: tuple[str, ...], reason: str = ""
) -> None:
    centre = beneficiary.registering_centre
    access_record(
        user=request.user,
        action=action,
        subject=beneficiary,
        fields=list(fields),
        reason=reason,
        centre=centre,
        role=",".join(sorted(access_for(request.user).roles_at(centre.pk))),
        request=request,
    )


def _with_value(beneficiary: Beneficiary, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The sealed fields a page will actually show: those holding a value."""
    return tuple(name for name in fields if getattr(beneficiary, name) not in (None, "", [], {}))


def _language_labels(codes: list[str]) -> list[str]:
    labels = dict(LANGUAGES)
    return [str(labels.get(code, code)) for code in codes or []]


def _documents(beneficiary: Beneficiary) -> list[dict[str, Any]]:
    kinds, statuses = dict(DocumentKind.choices), dict(DocumentStatus.choices)
    return [
        {
            "kind": kinds.get(doc.get("kind"), doc.get("kind")),
            "number": doc.get("number", ""),
            "issued_on": doc.get("issued_on") or "",
            "expires_on": doc.get("expires_on") or "",
            "status": statuses.get(doc.get("status"), doc.get("status", "")),
        }
        for doc in beneficiary.documents or []
    ]


# --- edit and history --------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Change a person's details; an ID number held by another person is refused."""
    beneficiary = registry.beneficiary_for(request.user, pk)
    check = None
    if request.method == "POST":
        form = _beneficiary_form(request.POST)
        if form.is_valid():
            data = form.service_data()
            check = _held_by_another(request.user, beneficiary, data)
            if check is None:
                try:
                    services.beneficiary_update(beneficiary=beneficiary, by=request.user, data=data)
                except ValidationError as invalid:
                    _add_service_errors(form, invalid)
                else:
                    messages.success(request, _("The changes are saved."))
                    return redirect(beneficiary)
    else:
        form = _beneficiary_form(None, initial=BeneficiaryForm.initial_from(beneficiary))
        _trace(request, beneficiary, "kem.beneficiary.edit_opened", _with_value(beneficiary, EDIT_FIELDS))
    return render(
        request,
        "kem/beneficiaries/edit.html",
        {
            "beneficiary": beneficiary,
            "form": form,
            "check": check,
            "optional_open": any(f.errors for f in form.optional()),
        },
    )


def _held_by_another(
    user: Any, beneficiary: Beneficiary, data: dict[str, Any]
) -> registry.DuplicateCheck | None:
    found = registry.beneficiary_duplicates(
        user=user, data={"id_numbers": id_numbers_of(data["documents"])}, exclude=beneficiary.pk
    )
    if not found.same_id:
        return None
    return registry.DuplicateCheck(same_id=found.same_id, visible_same_id=found.visible_same_id)


@login_required
@never_cache
@require_GET
def beneficiary_history(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Who changed what and when (managers of the registering centre); names of fields only."""
    beneficiary = registry.beneficiary_for(request.user, pk, "manage_centre")
    return render(
        request,
        "kem/beneficiaries/history.html",
        {"beneficiary": beneficiary, "changes": beneficiary_changes(beneficiary=beneficiary)},
    )


urlpatterns = [
    path("beneficiaries/", beneficiary_list, name="beneficiary-list"),
    path("beneficiaries/new/", beneficiary_new, name="beneficiary-register"),
    path("beneficiaries/search/", beneficiary_search, name="beneficiary-search"),
    path("beneficiaries/<uuid:pk>/", beneficiary_detail, name="beneficiary-detail"),
    path("beneficiaries/<uuid:pk>/reveal/", beneficiary_reveal, name="beneficiary-reveal"),
    path("beneficiaries/<uuid:pk>/edit/", beneficiary_edit, name="beneficiary-edit"),
    path("beneficiaries/<uuid:pk>/history/", beneficiary_history, name="beneficiary-history"),
]
