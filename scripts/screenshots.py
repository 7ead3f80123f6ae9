"""Take the README's screenshots from a running `make demo` (http://localhost:8069).

Optional tool, not part of the install: needs `pip install playwright` and a Chromium
(`apt-get install chromium`). Usage: python scripts/screenshots.py [--url URL] [--out DIR]
"""

import argparse
import pathlib

from playwright.sync_api import sync_playwright

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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{args.url}/web/login")
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar")
        for name, action, view in PAGES:
            page.goto(f"{args.url}/odoo/action-{action}?view_type={view}")
            try:
                page.wait_for_selector(".o_action_manager .o_view_controller", timeout=15000)
            except Exception:  # a missing action only skips its picture
                print(f"skipped {name}: {action} did not open")
                continue
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {out / f'{name}.png'}")
        browser.close()


if __name__ == "__main__":
    main()
