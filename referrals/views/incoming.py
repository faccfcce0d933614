"""Pages: incoming (being built)."""

urlpatterns: list = []
