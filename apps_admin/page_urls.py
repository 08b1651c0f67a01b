"""URLs of the apps pages (list, detail, forms, secret key, usage)."""

urlpatterns: list = []
