"""Pages of this part of the courses app (being built)."""

urlpatterns: list = []
