"""Pages: calendar (being built)."""

urlpatterns: list = []
