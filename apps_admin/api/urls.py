"""URLs of the REST API, mounted at /api/."""

urlpatterns: list = []
