"""Pages for centres, staff and the home page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kem import selectors, services
from kem.forms.staff import MembershipGrantForm
from kem.models import Membership, Role
from kem.permissions import CentrePerm, access_for, centre_for, may, visible_centres
from kem.selectors.staff import staff_locked_out
from kem.services.auth import staff_unlock


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One page per person: a panel for each role they hold, at each of their centres."""
    panels = selectors.home_panels(user=request.user)
    return render(request, "kem/home.html", {"panels": panels})


@login_required
@require_GET
def centre_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    centres = [(c, sorted(access.roles_at(c.pk))) for c in visible_centres(request.user)]
    return render(request, "kem/centre_list.html", {"centres": centres, "role_labels": dict(Role.choices)})


@login_required
@require_GET
def centre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    centre = centre_for(request.user, pk)
    access = access_for(request.user)
    return render(
        request,
        "kem/centre_detail.html",
        {
            "centre": centre,
            "my_roles": [Role(r).label for r in sorted(access.roles_at(centre.pk))],
            "can_manage_staff": may(request.user, CentrePerm.MANAGE_STAFF, centre),
            "staff_counts": selectors.staff_counts(centre=centre),
        },
    )


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """Managers of one centre go straight to its staff; managers of several choose."""
    managed = list(visible_centres(request.user, CentrePerm.MANAGE_STAFF))
    if len(managed) == 1:
        return redirect("centre-staff", pk=managed[0].pk)
    return render(request, "kem/staff_home.html", {"centres": managed})


@login_required
@require_http_methods(["GET", "POST"])
def centre_staff(request: HttpRequest, pk: int) -> HttpResponse:
    centre = centre_for(request.user, pk, "manage_staff")
    form = MembershipGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = data["user"] or services.staff_account_create(
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            password=data["password"],
            by=request.user,
        )
        services.membership_grant(
            centre=centre, user=user, role=data["role"], discipline=data["discipline"], by=request.user
        )
        messages.success(
            request,
            _("%(user)s now works at %(centre)s as %(role)s.")
            % {"user": user.get_username(), "centre": centre.name, "role": Role(data["role"]).label},
        )
        return redirect("centre-staff", pk=centre.pk)
    memberships = selectors.centre_staff(centre=centre)
    return render(
        request,
        "kem/centre_staff.html",
        {
            "centre": centre,
            "form": form,
            "memberships": memberships,
            "locked": staff_locked_out(centre=centre),
        },
    )


@login_required
@require_POST
def membership_unlock(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Lift the lock-out of a member of staff (too many wrong passwords) before it runs out."""
    centre = centre_for(request.user, pk, "manage_staff")
    membership = get_object_or_404(Membership, pk=membership_pk, centre=centre, active=True)
    forgotten = staff_unlock(centre=centre, user=membership.user, by=request.user, request=request)
    if forgotten:
        messages.success(
            request,
            _("%(user)s can log in again.") % {"user": membership.user.get_username()},
        )
    else:
        messages.info(
            request,
            _("%(user)s was not locked out.") % {"user": membership.user.get_username()},
        )
    return redirect("centre-staff", pk=centre.pk)


@login_required
@require_http_methods(["GET", "POST"])
def membership_revoke(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Ask first (GET shows a confirmation), then end the membership (POST)."""
    centre = centre_for(request.user, pk, "manage_staff")
    membership = get_object_or_404(Membership, pk=membership_pk, centre=centre, active=True)
    if request.method == "POST":
        services.membership_revoke(membership=membership, by=request.user)
        messages.success(
            request,
            _("%(user)s no longer works at %(centre)s as %(role)s.")
            % {
                "user": membership.user.get_username(),
                "centre": centre.name,
                "role": membership.get_role_display(),
            },
        )
        return redirect("centre-staff", pk=centre.pk)
    return render(request, "kem/membership_revoke.html", {"centre": centre, "membership": membership})
