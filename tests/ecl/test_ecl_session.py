"""The transport's pooled session: the environment's proxy settings apply, read once per origin."""

from apps_admin.ecl.transport import _Session


def test_the_environments_proxy_is_used_and_read_once_per_origin(monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = _Session()
    url = "https://webrtc-jp1-ecl.api.ntt.com/tenants/x/apps"
    first = session.merge_environment_settings(url, {}, True, None, None)
    assert first["proxies"]["https"] == "http://proxy.example:3128"
    first["proxies"].clear()  # a caller's copy
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")
    again = session.merge_environment_settings(url + "/1000", {}, True, None, None)
    assert again["proxies"]["https"] == "http://proxy.example:3128"
    elsewhere = session.merge_environment_settings(
        "https://keystone.example/v3", {}, True, None, None
    )
    assert elsewhere["proxies"]["https"] == "http://other.example:3128"
