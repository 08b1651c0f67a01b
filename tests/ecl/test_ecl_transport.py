"""The transport reads every answer against the operation's deadline and a size cap, and keeps
connections alive when an answer was read whole. A small server of the test's own sends what the
emulator cannot: a chunked body without a length that never ends."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.ecl.transport import Deadline, exchange

# slow: a server of the test's own; answers that trickle or never end
pytestmark = pytest.mark.slow

CHUNK = b"x" * 65536
SERVER_LIMIT = 50 * 1024 * 1024  # the server stops here, whatever the client does


class Endless(BaseHTTPRequestHandler):
    """`/endless` streams chunks until the client goes away, `/trickle` a byte every 10 ms;
    anything else is a small JSON."""

    protocol_version = "HTTP/1.1"
    sent = 0
    connections = 0

    def setup(self):
        super().setup()
        type(self).connections += 1

    def do_GET(self):
        if self.path not in ("/endless", "/trickle"):
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            piece = CHUNK if self.path == "/endless" else b"x"
            while type(self).sent < SERVER_LIMIT:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                type(self).sent += len(piece)
                if self.path == "/trickle":
                    time.sleep(0.01)  # a byte at a time, steadily: no read ever times out
        except OSError:
            pass
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Endless.sent = Endless.connections = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str):
    return exchange("GET", url, route="/test", tenant_id="t", deadline=Deadline())


@override_settings(ECL_MAX_BODY_BYTES=1_000_000)
def test_a_body_without_a_length_is_cut_at_the_cap(server):
    with pytest.raises(ecl.ResponseTooLarge):
        fetch(server + "/endless")
    # The client stopped reading long before the server's own limit.
    assert Endless.sent < SERVER_LIMIT / 2


@override_settings(ECL_CALL_BUDGET=1.5, ECL_MAX_BODY_BYTES=10**12)
def test_a_body_that_trickles_ends_at_the_deadline(server):
    with pytest.raises(ecl.UpstreamTimeout):
        fetch(server + "/trickle")
    assert 0 < Endless.sent < 1000  # it was read, a byte at a time, until the deadline


def test_answers_read_whole_keep_their_connection(server):
    for _ in range(3):
        assert fetch(server + "/small").body == b'{"ok": true}'
    assert Endless.connections == 1
