"""Pages: the calendar of a centre or of one of its counsellors, by day or by week.

``?view=day|week&date=YYYY-MM-DD&counsellor=<user id>&centre=<id>``; a value that does not parse
falls back to its default (today, the day view, everybody, the user's first centre). Another
centre is a 404, a role of the centre that does not see cases (teacher, analyst, DPO) a 403.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.policy import may_see_cases
from cases.selectors import calendar as selectors
from cases.selectors.benefits import working_centre
from kem.permissions import CentrePerm, may


class CalendarQuery(forms.Form):
    view = forms.ChoiceField(choices=[(v, v) for v in selectors.VIEWS], required=False)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    counsellor = forms.IntegerField(required=False, min_value=1)


@login_required
@never_cache
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    centre, centres = working_centre(
        user=request.user, centre_id=request.GET.get("centre"), allowed=may_see_cases
    )
    query = CalendarQuery(request.GET)
    query.is_valid()  # keeps the values that parse; the others fall back to their defaults
    params = query.cleaned_data
    today = timezone.localdate()
    period = selectors.calendar_period(
        view=params.get("view") or selectors.DAY, on=params.get("date") or today
    )
    counsellors = selectors.centre_counsellors(centre=centre)
    counsellor = None
    if params.get("counsellor"):
        counsellor = next((c for c in counsellors if c.pk == params["counsellor"]), None)
        if counsellor is None:
            raise Http404
    days = selectors.calendar_days(
        user=request.user, centre=centre, period=period, counsellor=counsellor, today=today
    )
    context = {
        "centre": centre,
        "centres": centres,
        "period": period,
        "days": days,
        "today": today,
        "counsellors": counsellors,
        "counsellor": counsellor,
        "is_counsellor": may(request.user, CentrePerm.KEEP_CASES, centre.pk),
        "has_entries": any(day.entries for day in days),
    }
    return render(request, "cases/calendar/calendar.html", context)


urlpatterns = [
    path("calendar/", calendar, name="calendar"),
]
