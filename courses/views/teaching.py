"""The teacher's pages: "My lessons" (a day's lessons, one tap to each sheet), and, through the
modules it gathers, the sheets, a class's attendance and results, certificates, and the public
verification page.

``courses/urls.py`` takes this module's ``urlpatterns``; importing the selectors here also
registers the teacher's home-panel part before any page renders.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.models import ClassStatus
from courses.selectors import attendance as selectors
from courses.views import attendance, results, verify
from kem.permissions import CentrePerm, access_for

# Classes listed under the day's lessons: those still going on (or about to).
CURRENT_STATUSES = (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING)


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return timezone.localdate()


@login_required
@never_cache
@require_GET
def teaching_today(request: HttpRequest) -> HttpResponse:
    """A day's lessons (``?date=YYYY-MM-DD``, today by default) of the user's classes, with the
    previous and next day; then their current classes."""
    access = access_for(request.user)
    if not (access.anywhere(CentrePerm.TEACH) or access.anywhere(CentrePerm.MANAGE)):
        raise PermissionDenied
    day = _day(request.GET.get("date"))
    today = timezone.localdate()
    context = {
        "day": day,
        "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "lessons": selectors.teacher_lessons(user=request.user, date=day),
        "classes": list(
            selectors.sheet_classes(request.user)
            .filter(status__in=CURRENT_STATUSES)
            .order_by("start_date", "name")
        ),
    }
    return render(request, "courses/teaching/today.html", context)


urlpatterns = [
    path("teaching/", teaching_today, name="teaching-today"),
    *attendance.urlpatterns,
    *results.urlpatterns,
    *verify.urlpatterns,
]
