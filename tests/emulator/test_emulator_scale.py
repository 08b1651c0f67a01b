"""The emulator holds a tenant of 10,000 apps and lists them whole over HTTP."""

import pytest

from ecl_emulator.testing import TenantSession

# slow: a tenant of 10,000 apps
pytestmark = pytest.mark.slow

TEN_THOUSAND = 10_000


@pytest.fixture
def megacorp(emulator) -> TenantSession:
    return TenantSession.create(emulator, apps=TEN_THOUSAND)


def test_ten_thousand_apps_are_listed_expanded_in_id_order(megacorp):
    response = megacorp.call("GET", "?expandApps=true", timeout=30)
    assert response.status_code == 200
    apps = response.json()
    assert [app["id"] for app in apps] == list(range(1000, 1000 + TEN_THOUSAND))
    assert all(len(app) == 10 and "secretkey" not in app for app in apps)


def test_a_change_to_one_of_ten_thousand_apps_shows_in_the_next_list(megacorp):
    megacorp.call("GET", "?expandApps", timeout=30)  # fills every app's cached JSON
    megacorp.call("PUT", "/5000", json={"description": "changed", "domains": ["localhost"]})
    megacorp.call("DELETE", "/5001")
    megacorp.call("POST", json={"description": "newest"})

    apps = megacorp.call("GET", "?expandApps", timeout=30).json()
    by_id = {app["id"]: app for app in apps}
    assert by_id[5000]["description"] == "changed" and by_id[5000]["domains"] == ["localhost"]
    assert 5001 not in by_id
    assert apps[-1]["id"] == 1000 + TEN_THOUSAND and apps[-1]["description"] == "newest"
    short = megacorp.call("GET", timeout=30).json()
    assert len(short) == TEN_THOUSAND
    assert next(app for app in short if app["id"] == 5000)["description"] == "changed"
