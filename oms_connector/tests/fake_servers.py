# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small HTTP servers on 127.0.0.1 that play a 3PL or a shop in tests: the one fake server of
the repository (every addon's tests and the top-level ``tests/`` use it).

They are real servers (``http.server`` in a thread): the code under test makes real HTTP calls.
Each records the requests it received; a test configures answers per (method, path prefix).
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict


class RecordedRequest:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        # header names are case-insensitive in HTTP
        self.headers = CaseInsensitiveDict(headers)
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def query(self):
        """The query string as a dict (first value of each key)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}


class FakeServer:
    """Answers ``routes[(method, path prefix)]``: a callable ``(request) -> answer`` or an
    answer, where an answer is ``(status, payload)`` or ``(status, payload, headers)``
    (``payload``: a dict sent as JSON, or bytes sent as they are; ``{base}`` in a header value
    becomes the server's URL). Unknown routes answer 404.

    ``start()``/``stop()``, or use it as a context manager."""

    def __init__(self):
        self.requests = []
        self.dropped = []
        self.routes = {}
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                server._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _serve(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = RecordedRequest(handler.command, handler.path, handler.headers.items(), body)
        self._record(request)
        status, payload, *rest = self._answer(request)
        headers = rest[0] if rest else {}
        if self.delay:
            time.sleep(self.delay)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                handler.send_header(key, value.format(base=self.url))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError) as exc:
            # the client gave up waiting (timeout tests)
            self.dropped.append(str(exc))

    def _record(self, request):
        """Keep ``request`` in ``requests`` (a subclass may keep another view of it)."""
        self.requests.append(request)

    def _answer(self, request):
        path = request.path.split("?")[0]
        for (method, prefix), answer in sorted(self.routes.items(), key=lambda kv: -len(kv[0][1])):
            if method == request.method and path.startswith(prefix):
                return answer(request) if callable(answer) else answer
        return 404, {"error": "not found"}

    def calls(self, method, prefix):
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


class RecordingServer(FakeServer):
    """A shop's API answering every request with ``status`` and ``body`` (both may be changed
    between calls); ``requests`` holds ``{"path", "headers", "body"}`` dicts. Started at once."""

    def __init__(self, status=201, body=None):
        super().__init__()
        self.status = status
        self.body = body if body is not None else {}
        for method in ("GET", "POST", "PUT", "PATCH"):
            self.routes[(method, "/")] = lambda request: (self.status, self.body)
        self.start()

    def _record(self, request):
        self.requests.append(
            {"path": request.path, "headers": request.headers, "body": request.body}
        )


class FakePlatformServer(FakeServer):
    """A platform's API answering GET requests with ``responder(path, query, headers) ->
    (status, headers, body)``; ``requests`` holds (path, query dict, headers) tuples. Use it
    as a context manager; ``base_url`` is its URL."""

    def __init__(self, responder):
        super().__init__()
        self.responder = responder
        self.routes[("GET", "/")] = self._respond

    @property
    def base_url(self):
        return self.url

    def _respond(self, request):
        status, headers, body = self.responder(
            urlsplit(request.path).path, request.query, request.headers
        )
        return status, body, headers

    def _record(self, request):
        self.requests.append((urlsplit(request.path).path, request.query, request.headers))


class FakeThreePL(FakeServer):
    """A 3PL: ``POST /shipments`` checks the signature and keeps one shipment per
    Idempotency-Key (a resend answers the same shipment, never a second one)."""

    def __init__(self, secret):
        super().__init__()
        self.secret = secret
        self.shipments = {}  # idempotency key -> shipment dict
        self._ids = itertools.count(1001)
        self.routes[("POST", "/shipments")] = self._create_shipment

    def _create_shipment(self, request):
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected, request.headers.get("X-OMS-Signature", "")):
            return 401, {"error": "bad signature"}
        key = request.headers.get("Idempotency-Key")
        if not key:
            return 400, {"error": "Idempotency-Key required"}
        if key in self.shipments:
            return 200, self.shipments[key]
        shipment = {"shipment_id": f"FS-{next(self._ids)}", "status": "accepted"}
        self.shipments[key] = shipment
        return 201, shipment

    def sign(self, body):
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
