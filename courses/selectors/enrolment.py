"""Where enrolment reaches other pages: the front desk's home panel (people promoted from a waiting
list, people of a cancelled class to tell), the beneficiary profile's "Enrol in a class" button and
its timeline of classes. This module is imported by ``CoursesConfig.ready()`` so that all three are
registered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import ClassStatus, Enrolment, EnrolmentStatus
from courses.policy import may_enrol
from courses.selectors.classes import class_viewing_centre_ids, open_learner_names
from kem.models import Beneficiary, Centre
from kem.selectors.staff import PanelPart
from kem.selectors.timeline import ProfileAction, TimelineEntry

# The home panel lists what happened in the last NEWS_DAYS days, at most SHOWN rows per list.
NEWS_DAYS = 7
SHOWN = 10


# --- the front desk's home panel ---------------------------------------------------------------


def _news(centre: Centre, since: dt.datetime) -> tuple[Q, Q]:
    promoted = Q(
        course_class__centre=centre,
        status=EnrolmentStatus.ENROLLED,
        waitlisted_at__isnull=False,
        enrolled_at__gte=since,
    )
    let_go = Q(
        course_class__centre=centre,
        course_class__status=ClassStatus.CANCELLED,
        status=EnrolmentStatus.WITHDRAWN,
        ended_at__gte=since,
    )
    return promoted, let_go


def waiting_list_news(*, centre: Centre, user: Any) -> dict[str, Any]:
    """People promoted from a waiting list of the centre's classes in the last ``NEWS_DAYS`` days
    (newest first), and people let go because their class was cancelled: the front desk tells
    them. Four queries at most (counts, two lists, the access events for the names shown)."""
    if not may_enrol(user, centre.pk):
        return {"promoted": [], "let_go": [], "promoted_count": 0, "let_go_count": 0}
    promoted_q, let_go_q = _news(centre, timezone.now() - dt.timedelta(days=NEWS_DAYS))
    counts = Enrolment.objects.filter(course_class__centre=centre).aggregate(
        promoted_count=Count("pk", filter=promoted_q), let_go_count=Count("pk", filter=let_go_q)
    )
    rows = Enrolment.objects.select_related("beneficiary__person_key", "course_class__course")
    promoted = (
        list(rows.filter(promoted_q).order_by("-enrolled_at", "pk")[:SHOWN])
        if counts["promoted_count"]
        else []
    )
    let_go = list(rows.filter(let_go_q).order_by("-ended_at", "pk")[:SHOWN]) if counts["let_go_count"] else []
    names = open_learner_names([*promoted, *let_go], user=user, centre_id=centre.pk)
    for enrolment in [*promoted, *let_go]:
        enrolment.person_name = names[enrolment.pk]
    return {"promoted": promoted, "let_go": let_go, **counts}


def waiting_list_news_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """The block, registered for ``enrol_learners``, so shown once per centre."""
    return PanelPart(
        template="courses/_waiting_list_news.html",
        context={**waiting_list_news(centre=centre, user=user), "shown": SHOWN, "days": NEWS_DAYS},
    )


# --- the profile -------------------------------------------------------------------------------


def enrolment_actions(beneficiary: Beneficiary, user: Any) -> list[ProfileAction]:
    """ "Enrol in a class", for those who enrol people at the person's centre."""
    if not may_enrol(user, beneficiary.registering_centre_id):
        return []
    return [
        ProfileAction("enrol", _("Enrol in a class"), reverse("beneficiary-enrol", args=[beneficiary.pk]))
    ]


def _actor(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def enrolment_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Waiting, enrolled (or promoted), and how it ended, for the person's classes at the centres
    whose classes the user sees. Names the class, never anything sealed. One query."""
    centres = class_viewing_centre_ids(user)
    if not centres:
        return []
    enrolments = Enrolment.objects.filter(
        beneficiary=beneficiary, course_class__centre_id__in=centres
    ).select_related("course_class__course", "created_by")
    ended_titles = {
        EnrolmentStatus.WITHDRAWN: _("Withdrew from %(class)s"),
        EnrolmentStatus.DROPPED: _("Dropped out of %(class)s"),
    }
    entries = []
    for enrolment in enrolments:
        course_class = enrolment.course_class
        label = {"class": str(course_class)}
        url = course_class.get_absolute_url()
        kind = "courses.enrolment"
        if enrolment.waitlisted_at:
            entries.append(
                TimelineEntry(
                    at=enrolment.waitlisted_at,
                    kind=f"{kind}.waitlisted",
                    title=_("Put on the waiting list of %(class)s") % label,
                    actor=_actor(enrolment.created_by),
                    url=url,
                )
            )
        if enrolment.enrolled_at:
            promoted = enrolment.waitlisted_at is not None
            entries.append(
                TimelineEntry(
                    at=enrolment.enrolled_at,
                    kind=f"{kind}.promoted" if promoted else f"{kind}.enrolled",
                    title=(
                        _("Promoted from the waiting list into %(class)s")
                        if promoted
                        else _("Enrolled in %(class)s")
                    )
                    % label,
                    actor="" if promoted else _actor(enrolment.created_by),
                    url=url,
                )
            )
        if enrolment.ended_at and enrolment.status in ended_titles:
            entries.append(
                TimelineEntry(
                    at=enrolment.ended_at,
                    kind=f"{kind}.{enrolment.status}",
                    title=ended_titles[enrolment.status] % label,
                    url=url,
                )
            )
        if enrolment.result_recorded_at and enrolment.status in (
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.GRADUATED,
        ):
            entries.append(
                TimelineEntry(
                    at=enrolment.result_recorded_at,
                    kind=f"{kind}.{enrolment.status}",
                    title=(
                        _("Graduated from %(class)s")
                        if enrolment.status == EnrolmentStatus.GRADUATED
                        else _("Completed %(class)s")
                    )
                    % label,
                    url=url,
                )
            )
    return entries
