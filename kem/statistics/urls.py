"""Statistics pages (being built)."""

urlpatterns: list = []
