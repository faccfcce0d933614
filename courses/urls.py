from courses.views import classes, enrolment, teaching

# Each view module owns its URL patterns.
urlpatterns = [*classes.urlpatterns, *enrolment.urlpatterns, *teaching.urlpatterns]
