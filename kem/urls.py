from django.urls import path

from kem.views import access_log, beneficiaries, downloads, imports, people
from kem.views import staff as views

urlpatterns = [
    path("", views.home, name="home"),
    path("centres/", views.centre_list, name="centre-list"),
    path("centres/<int:pk>/", views.centre_detail, name="centre-detail"),
    path("staff/", views.staff_home, name="staff-home"),
    path("centres/<int:pk>/staff/", views.centre_staff, name="centre-staff"),
    path(
        "centres/<int:pk>/staff/<int:membership_pk>/revoke/",
        views.membership_revoke,
        name="membership-revoke",
    ),
    path(
        "centres/<int:pk>/staff/<int:membership_pk>/unlock/",
        views.membership_unlock,
        name="membership-unlock",
    ),
    *beneficiaries.urlpatterns,
    *people.urlpatterns,
    *access_log.urlpatterns,
    *imports.urlpatterns,
    *downloads.urlpatterns,
]
