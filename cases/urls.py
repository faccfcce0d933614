"""The counselling pages: cases and sessions, interpreters, application help, calendars."""

from cases.views import benefits, calendar, cases, interpreters

urlpatterns = [
    *cases.urlpatterns,
    *interpreters.urlpatterns,
    *benefits.urlpatterns,
    *calendar.urlpatterns,
]
