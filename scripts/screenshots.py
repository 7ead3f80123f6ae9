"""Take the README's screenshots in a headless Chromium from a running `make demo`.

`make screenshots` (scripts/screenshots.sh) while `make demo` runs: logs in as admin through
``/web/session/authenticate``, opens each screen in Debian's ``chromium`` driven over the
DevTools protocol (the ``websocket-client`` package that the tours use; no playwright), waits
until the view has loaded, and writes ``docs/screenshots/<name>.png`` (1440x900). Then the same
for a few screens in Russian (``*-ru.png``): ru_RU is activated with Odoo's own translations if
needed, admin's language is switched for those shots and switched back afterwards.

The reason of a failed event is stored text, written in the language of the job that processed
it. So before each set of shots the failed events are retried as admin in that set's language
(``action_retry``: the retry job writes in the retrying user's language) and the script waits
until the demo's queue_job runner has processed them; at the end they are retried once more in
admin's own language, which leaves them as ``make demo`` (DEMO_LANG) made them.

Usage: python scripts/screenshots.py [--url URL] [--db DB] [--out DIR] [--no-russian]
"""

import argparse
import base64
import itertools
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import requests
import websocket

WIDTH, HEIGHT = 1440, 900

# (file name, action xml id, view type)
PAGES = [
    ("channels-dashboard", "oms_connector.oms_channel_action", "kanban"),
    ("failed-events", "oms_connector.oms_channel_event_action_failed", "list"),
    ("channel-orders", "sale.action_orders", "list"),
    ("routing-rules", "oms_connector.oms_routing_rule_action", "list"),
    ("returns", "oms_returns.oms_return_action", "kanban"),
    ("forecast", "oms_forecast.oms_forecast_action", "list"),
    ("forecast-vs-actual", "oms_forecast.oms_forecast_line_action", "graph"),
    ("sales-by-channel", "oms_forecast.oms_channel_sales_report_action", "pivot"),
    ("channel-transactions", "oms_connector.oms_channel_transaction_action", "list"),
]
# the screens shown once more in Russian
RUSSIAN_PAGES = ["channels-dashboard", "failed-events", "returns", "forecast"]

# the view is drawn and no RPC is pending
READY_JS = """
(() => {
    const view = document.querySelector('.o_action_manager .o_view_controller');
    const busy = document.querySelector('.o_loading_indicator, .o_blockUI');
    return Boolean(view) && !busy && document.readyState === 'complete';
})()
"""


class OdooRpc:
    """JSON-RPC to the demo server as one logged-in user."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.session = requests.Session()
        result = self._call(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        if not result.get("uid"):
            sys.exit(f"cannot log in as {login} on {db} at {url}")
        self.uid = result["uid"]

    @property
    def session_id(self):
        return self.session.cookies["session_id"]

    def _call(self, path, params):
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=600,
        )
        response.raise_for_status()
        answer = response.json()
        if answer.get("error"):
            sys.exit(f"{path}: {answer['error'].get('data', {}).get('message', answer['error'])}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self._call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class Chromium:
    """A headless Chromium and one page, over the DevTools protocol."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="oms-screenshots-")
        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._wait_for_port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
        )
        self.ids = itertools.count(1)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Network.enable")

    def _wait_for_port(self):
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                return int(port_file.read_text().split()[0])
            if self.proc.poll() is not None:
                sys.exit("chromium exited at start (is Debian's chromium installed?)")
            time.sleep(0.1)
        sys.exit("chromium did not open its DevTools port")

    def send(self, method, **params):
        """One DevTools command; its result (events received meanwhile are dropped)."""
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def set_session(self, url, session_id):
        self.send("Network.setCookie", name="session_id", value=session_id, url=url)

    def shoot(self, url, path, timeout=30):
        """Open ``url``, wait for the view, write the PNG; False if the view never loaded."""
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        time.sleep(1.0)
        while not self.evaluate(READY_JS):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.3)
        time.sleep(1.5)  # charts and kanban counters draw after the view
        shot = self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return True

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def ensure_russian(rpc):
    """Activate ru_RU with the translations of every installed module, once."""
    installed = rpc.call("res.lang", "search_read", [("code", "=", "ru_RU")], ["id"])
    if installed:
        return
    print("activating Russian (once, about a minute)")
    lang = rpc.call(
        "res.lang",
        "search_read",
        [("code", "=", "ru_RU"), ("active", "in", (True, False))],
        ["id"],
    )
    wizard = rpc.call("base.language.install", "create", {"lang_ids": [(6, 0, [lang[0]["id"]])]})
    rpc.call("base.language.install", "lang_install", [wizard])


def reprocess_failed_events(rpc, lang, timeout=90):
    """Retry the failed events in ``lang`` (e.g. ``ru_RU``) and wait until the queue_job runner
    of the demo has processed them again (none left ``pending``), at most ``timeout`` seconds."""
    event_ids = rpc.call("oms.channel.event", "search", [("state", "=", "failed")])
    if not event_ids:
        return
    rpc.call("oms.channel.event", "action_retry", event_ids, context={"lang": lang})
    deadline = time.monotonic() + timeout
    pending = [("id", "in", event_ids), ("state", "=", "pending")]
    while rpc.call("oms.channel.event", "search_count", pending):
        if time.monotonic() > deadline:
            print(f"the failed events were not processed again in {timeout} s: is the runner on?")
            return
        time.sleep(1.0)


def shoot_pages(browser, rpc, args, pages, suffix=""):
    browser.set_session(args.url, rpc.session_id)
    written = 0
    for name, action, view in pages:
        path = args.out / f"{name}{suffix}.png"
        if browser.shoot(f"{args.url}/odoo/action-{action}?view_type={view}", path):
            print(f"wrote {path}")
            written += 1
        else:
            print(f"skipped {path.name}: {action} did not load")
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="oms_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="docs/screenshots", type=pathlib.Path)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--no-russian", action="store_true")
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    rpc = OdooRpc(args.url, args.db, args.login, args.password)
    [user] = rpc.call("res.users", "read", [rpc.uid], ["lang"])
    browser = Chromium(args.chromium)
    try:
        rpc.call("res.users", "write", [rpc.uid], {"lang": "en_US"})
        rpc = OdooRpc(args.url, args.db, args.login, args.password)
        reprocess_failed_events(rpc, "en_US")
        written = shoot_pages(browser, rpc, args, PAGES)
        if not args.no_russian:
            ensure_russian(rpc)
            rpc.call("res.users", "write", [rpc.uid], {"lang": "ru_RU"})
            # a new session: the web client takes the user's language at login
            rpc = OdooRpc(args.url, args.db, args.login, args.password)
            reprocess_failed_events(rpc, "ru_RU")
            pages = [page for page in PAGES if page[0] in RUSSIAN_PAGES]
            written += shoot_pages(browser, rpc, args, pages, suffix="-ru")
    finally:
        browser.close()
        rpc.call("res.users", "write", [rpc.uid], {"lang": user["lang"]})
        reprocess_failed_events(rpc, user["lang"])
    if not written:
        sys.exit("no screenshot was taken")


if __name__ == "__main__":
    main()
