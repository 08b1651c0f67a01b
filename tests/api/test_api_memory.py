"""An API answer is freed by reference counting once sent: no cycle keeps its body alive.

DRF's Response, its renderer context and its view refer to one another; unbroken, a 10,000-app
list's body stayed in a gunicorn worker until the next full garbage collection (the worker grew
by one body per request).
"""

import gc
import weakref

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from apps_admin.api.views import AppDetail, AppList, TenantList

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_cyclic_collector():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def served(view, user, path: str, **kwargs):
    request = APIRequestFactory().get(path, HTTP_ACCEPT="application/json")
    force_authenticate(request, user=user)
    response = view.as_view()(request, **kwargs)
    response.render()
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("view", ["list", "detail", "tenants"])
def test_an_answer_is_freed_as_soon_as_it_is_dropped(users, tenant, view, no_cyclic_collector):
    tid = tenant.tenant_id
    response = {
        "list": lambda: served(AppList, users["viewer"], "/", tenant_id=tid),
        "detail": lambda: served(AppDetail, users["viewer"], "/", tenant_id=tid, app_id="1000"),
        "tenants": lambda: served(TenantList, users["viewer"], "/"),
    }[view]()
    answer = weakref.ref(response)
    del response
    assert answer() is None
