"""Pages: directory (being built)."""

urlpatterns: list = []
