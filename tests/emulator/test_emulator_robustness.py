"""Garbage in never gets a 500 out of the emulator, and it keeps answering afterwards."""

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from ecl_emulator.testing import TenantSession

MIB = 1024 * 1024


@pytest.fixture
def acme(acme) -> TenantSession:
    """The emulator tests' `acme`, with one app that must survive the garbage."""
    assert acme.call("POST", json={"description": "survivor"}).status_code == 200
    return acme


def assert_still_serving(session: TenantSession) -> None:
    response = session.call("GET", "/1000")
    assert response.status_code == 200
    assert response.json()["description"] == "survivor"


def raw_exchange(base_url: str, data: bytes, *, read_timeout: float = 10) -> tuple[int, dict]:
    """Send bytes on a fresh connection; return the answer's status and JSON body."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=read_timeout) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers["Content-Length"])
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    assert headers["Content-Type"] == "application/json"
    assert headers["ECL-Transaction-ID"]
    return int(lines[0].split()[1]), json.loads(body)


def post_raw(session: TenantSession, data: bytes, path: str = "") -> requests.Response:
    return session.call("POST", path, data=data, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "data",
    [
        b"{",
        b'{"description": "x"',
        b"{'description': 'x'}",
        b"\xff\xfe\xfa",
        b'{"description": "\xff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"description": ' + b"9" * 10_000 + b"}",
        b"\x00" * 100,
        b"null",
    ],
)
def test_unreadable_bodies_are_a_400_invalid_request(acme, data):
    for response in (post_raw(acme, data), acme.call("PUT", "/1000", data=data)):
        assert response.status_code == 400
        assert response.json() == {"error": {"code": 400, "message": "Invalid request"}}
    assert_still_serving(acme)


@pytest.mark.parametrize("path", ["/v3/auth/tokens", "/_emulator/tenants", "/_emulator/faults"])
def test_unreadable_bodies_on_identity_and_controls_are_a_400(acme, path):
    for data in (b"{", b"\xff\xfe", b"[" * 50_000):
        response = requests.post(acme.api_url + path, data=data, timeout=30)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == 400
    assert_still_serving(acme)


def test_a_five_mib_body_is_a_413_and_the_server_keeps_answering(acme):
    response = post_raw(acme, b'{"description": "' + b"x" * (5 * MIB) + b'"}')
    assert response.status_code == 413
    assert response.json()["error"]["code"] == 413
    assert_still_serving(acme)


def test_a_body_of_one_mib_is_still_read(acme):
    body = json.dumps({"description": "ok", "padding": "x" * (MIB - 100)}).encode()
    assert len(body) <= MIB
    assert post_raw(acme, body).status_code == 200


def test_a_chunked_body_is_read(acme):
    response = acme.call(
        "POST",
        data=iter([b'{"descrip', b'tion": "chunked"}']),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["description"] == "chunked"


def test_a_huge_chunked_body_is_a_413(acme):
    chunks = (b"x" * (256 * 1024) for _ in range(12))
    response = acme.call("POST", data=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_still_serving(acme)


@pytest.mark.parametrize(
    "path",
    [
        "/tenants",
        "/tenants/x",
        "/tenants/x/apps/",
        "/tenants/x/apps/1000/secretkey/more",
        "/v2.0/tokens",
        "/v3/projects",
        "/_emulator",
        "/_emulator/nope",
        "/%ff%fe",
        "//tenants//apps",
        "/" + "a" * 5000,
    ],
)
def test_unknown_paths_are_a_404_json_error(acme, path):
    response = requests.get(acme.api_url + path, timeout=30)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": 404, "message": "Not found"}}


@pytest.mark.parametrize("method", ["PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO"])
def test_odd_methods_are_a_405_json_error(acme, method):
    response = acme.call(method, "/1000")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == 405
    assert_still_serving(acme)


def test_head_gets_headers_without_a_body(acme):
    response = acme.call("HEAD", "/1000")
    assert response.status_code == 405
    assert response.content == b""
    assert response.headers["ECL-Transaction-ID"]
    assert_still_serving(acme)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400),
        (b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}", 400),
        (b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n{}", 400),
        (
            b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n{}",
            400,
        ),
        (b"POST /v3/auth/tokens HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (
            b"POST /v3/auth/tokens HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
        (b"POST /v3/auth/tokens HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET /v3 HTTP/1.1\r\nBroken header line\r\n\r\n", 200),
        (b"GET /v3 HTTP/1.1\r\nHost: \xff\xfe<>\r\n\r\n", 200),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /v3 HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n", 400),
    ],
)
def test_garbage_at_the_http_level_gets_a_json_answer_never_a_500(acme, request_bytes, status):
    answered, body = raw_exchange(acme.api_url, request_bytes)
    assert answered == status
    assert answered < 500 or answered == 505
    assert isinstance(body, dict)
    assert_still_serving(acme)


def test_a_client_that_disconnects_inside_its_body_does_not_disturb_the_server(acme):
    address = urlsplit(acme.api_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(b'POST /v3/auth/tokens HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{"auth')
    assert_still_serving(acme)


def test_a_keep_alive_connection_serves_many_requests(acme):
    with requests.Session() as http:
        for _ in range(20):
            response = http.get(acme.apps_url("/1000"), headers={"X-Auth-Token": acme.token})
            assert response.status_code == 200
