"""Pages: cases (being built)."""

urlpatterns: list = []
