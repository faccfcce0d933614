"""Pages: benefits (being built)."""

urlpatterns: list = []
