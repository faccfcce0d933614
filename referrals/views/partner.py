"""Pages: partner (being built)."""

urlpatterns: list = []
