# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small HTTP servers on 127.0.0.1 that play a 3PL or a shop in tests.

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


class RecordedRequest:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


class FakeServer:
    """Answers ``routes[(method, path prefix)]``: a callable ``(request) -> (status, dict)``
    or a ``(status, dict)``. Unknown routes answer 404."""

    def __init__(self):
        self.requests = []
        self.dropped = []
        self.routes = {}
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest(self.command, self.path, dict(self.headers), body)
                server.requests.append(request)
                status, payload = server._answer(request)
                if server.delay:
                    time.sleep(server.delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError) as exc:
                    # the client gave up waiting (timeout tests)
                    server.dropped.append(str(exc))

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

    def _answer(self, request):
        path = request.path.split("?")[0]
        for (method, prefix), answer in sorted(self.routes.items(), key=lambda kv: -len(kv[0][1])):
            if method == request.method and path.startswith(prefix):
                return answer(request) if callable(answer) else answer
        return 404, {"error": "not found"}

    def calls(self, method, prefix):
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


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
