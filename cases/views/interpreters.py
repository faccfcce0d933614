"""Pages: interpreters (being built)."""

urlpatterns: list = []
