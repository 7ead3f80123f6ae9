"""WildberriesAdapter: Wildberries marketplace API, FBS assembly tasks (``marketplace-api``).

Wildberries sends one **assembly task** (``id``) per unit sold; the tasks of one buyer's basket
share an ``orderUid``. The OMS takes in one order per ``orderUid`` with one line per task
(quantity 1, line id = task id): the shipment then adds exactly the shipped tasks to a supply.
The pulled "order" is the OMS' own envelope ``{"orderUid", "tasks": [task + its "status"]}``:
Wildberries has no order object.

Endpoints (header ``Authorization: <token>``, a token of the "Marketplace" category):

* pull: ``GET /api/v3/orders/new``, ``GET /api/v3/orders`` (``dateFrom`` / ``dateTo`` in Unix
  seconds, paged by the ``next`` cursor, 1,000 a page) and ``POST /api/v3/orders/status``
  (1,000 task ids a call) for the statuses, cancellations included;
* shipment: ``POST /api/v3/supplies`` (a supply, kept open on the channel) then
  ``PATCH /api/v3/supplies/{supplyId}/orders/{orderId}`` per task;
* stock: ``PUT /api/v3/stocks/{warehouseId}``, 1,000 barcodes a call;
* connection test and warehouses: ``GET /api/v3/warehouses``.

Money: ``convertedPrice`` is the price in the seller's currency (``convertedCurrencyCode``,
numeric ISO 4217: 643 = RUB) in hundredths (kopecks): divided by 100. ``price`` is in the
buyer's currency (``currencyCode``) and only kept in the raw payload. No client library: the
generated ``wildberries-sdk`` covers the calls but not the budget, cursors across calls and
error contract the OMS needs, for six plain JSON calls.
"""

from datetime import UTC, datetime, timedelta

from odoo.tools.translate import LazyTranslate

from .base import register_adapter
from .exceptions import OmsError, OmsPayloadError, OmsRetryableError
from .marketplace import (
    NOT_YET_VISIBLE_RETRY,
    OBSERVED_AT_KEY,
    MarketplaceAdapter,
    MarketplaceRefusedError,
    _now_iso,
    chunks,
)
from .normalized import NormalizedCustomer, NormalizedLine, NormalizedOrder
from .reader import load_payload, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")

#: numeric ISO 4217 codes of the currencies Wildberries sells in (fallback when Odoo's
#: currency table has no ``iso_numeric`` for the code)
WB_CURRENCIES = {643: "RUB", 933: "BYN", 398: "KZT", 51: "AMD", 417: "KGS", 860: "UZS"}
#: task statuses meaning the task will not be shipped
WB_CANCELLED_SUPPLIER = ("cancel",)
WB_CANCELLED_WB = ("canceled", "canceled_by_client", "declined_by_client", "defect")
#: the most days ``/api/v3/orders`` accepts between dateFrom and dateTo
WB_MAX_DAYS = 30


@register_adapter("wildberries")
class WildberriesAdapter(MarketplaceAdapter):
    order_id_key = "orderUid"
    default_api_url = "https://marketplace-api.wildberries.ru"
    # "Marketplace" category: 300 requests a minute, bursts of 20
    budget_capacity = 20.0
    budget_rate = 5.0
    stock_batch_size = 1000
    page_size = 1000
    cancelled_statuses = ("cancelled",)

    def _get_auth_headers(self):
        channel = self.channel.sudo()  # the API token: OMS managers only
        if not channel.api_key:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Wildberries API token (seller "
                    "portal > Settings > API access, category Marketplace).",
                    channel=channel.name,
                )
            )
        return {"Authorization": channel.api_key.strip()}

    # ------------------------------------------------------------------ pull
    def _fetch_order_payloads(self, since):
        """New tasks, tasks created since ``since`` (or since the oldest order Odoo still
        waits to ship, for their cancellations), with their statuses, grouped by orderUid."""
        now = datetime.now(UTC).replace(tzinfo=None)
        start = min(since, self._get_oldest_open_order_date() or since)
        start = max(start, now - timedelta(days=WB_MAX_DAYS))
        tasks = {}
        for task in self._request("GET", "/api/v3/orders/new").get("orders") or []:
            tasks[task["id"]] = task
        params = {
            "limit": self.page_size,
            "next": 0,
            "dateFrom": int(start.replace(tzinfo=UTC).timestamp()),
            "dateTo": int(now.replace(tzinfo=UTC).timestamp()),
        }
        for _page in range(1000):
            answer = self._request("GET", "/api/v3/orders", params=params)
            page = [t for t in answer.get("orders") or [] if isinstance(t, dict) and t.get("id")]
            for task in page:
                tasks.setdefault(task["id"], task)
            if not page or not answer.get("next") or answer["next"] == params["next"]:
                break
            params["next"] = answer["next"]
        return self._group_tasks(list(tasks.values()))

    def _get_oldest_open_order_date(self):
        """When the oldest order of the channel that is neither shipped nor cancelled was
        created on Wildberries (its tasks may still be cancelled)."""
        # sudo: the pull runs for whoever clicked Sync; bindings are the intake's records
        binding = (
            self.env["oms.channel.order"]
            .sudo()
            .search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("sale_order_id.state", "in", ("draft", "sent", "sale")),
                    ("sale_order_id.delivery_status", "in", (False, "pending", "started")),
                ],
                order="external_created_at",
                limit=1,
            )
        )
        return binding.external_created_at or None

    def _group_tasks(self, tasks):
        """Envelopes ``{"orderUid", "tasks"}`` of ``tasks``, each task with its "status"."""
        statuses = {}
        for batch in chunks([t["id"] for t in tasks], 1000):
            answer = self._request("POST", "/api/v3/orders/status", {"orders": batch})
            for status in answer.get("orders") or []:
                statuses[status.get("id")] = {
                    "supplierStatus": status.get("supplierStatus"),
                    "wbStatus": status.get("wbStatus"),
                }
        groups = {}
        for task in sorted(tasks, key=lambda t: t["id"]):
            task = dict(task, status=statuses.get(task["id"], {}))
            uid = str(task.get("orderUid") or task.get("rid") or task["id"])
            groups.setdefault(uid, {"orderUid": uid, "tasks": []})["tasks"].append(task)
        return list(groups.values())

    def fetch_order(self, external_id):
        """The tasks of order uid ``external_id`` created in the last 30 days."""
        now = datetime.now(UTC)
        params = {
            "limit": self.page_size,
            "next": 0,
            "dateFrom": int((now - timedelta(days=WB_MAX_DAYS)).timestamp()),
            "dateTo": int(now.timestamp()),
        }
        tasks = []
        for _page in range(1000):
            answer = self._request("GET", "/api/v3/orders", params=params)
            page = answer.get("orders") or []
            tasks += [t for t in page if str(t.get("orderUid")) == external_id]
            if not page or not answer.get("next") or answer["next"] == params["next"]:
                break
            params["next"] = answer["next"]
        if not tasks:
            raise OmsRetryableError(
                _lt(
                    "Wildberries does not show order %(external_id)s yet: will ask again.",
                    external_id=external_id,
                ),
                retry_after=NOT_YET_VISIBLE_RETRY,
            )
        order = self._group_tasks(tasks)[0]
        order[OBSERVED_AT_KEY] = _now_iso()
        return order

    def get_order_status(self, payload):
        tasks = [t for t in payload.get("tasks") or [] if isinstance(t, dict)]
        if tasks and all(_is_task_cancelled(t) for t in tasks):
            return "cancelled"
        states = sorted(
            {
                f"{(t.get('status') or {}).get('supplierStatus') or '?'}/"
                f"{(t.get('status') or {}).get('wbStatus') or '?'}"
                for t in tasks
            }
        )
        return ", ".join(states)

    def get_webhook_topic(self, headers, payload):
        return None  # Wildberries sends no notifications for FBS tasks: pulled only

    # ------------------------------------------------------------------ mapping
    def normalize_order(self, payload):
        """The OMS envelope of one orderUid -> ``NormalizedOrder``: one line per assembly task
        still to ship (all of them when the whole order is cancelled), at ``convertedPrice`` /
        100 in ``convertedCurrencyCode``; prices include VAT (the channel's rate)."""
        order = load_payload(payload)
        uid = order.ident("orderUid", required=True)
        tasks = order.objects("tasks", required=True)
        if not tasks:
            raise OmsPayloadError(_lt("$.tasks: order %(order)s has no assembly task.", order=uid))
        status = self.get_order_status(order.data)
        cancelled = status == "cancelled"
        observed_at = self.get_order_updated_at(order.data)
        lines, currencies, created_at = self._normalize_tasks(tasks, cancelled)
        currency = self._get_single_currency(uid, currencies)
        first_task = min(int(t.ident("id", required=True)) for t in tasks)
        return NormalizedOrder(
            external_id=uid,
            name=f"WB {first_task}",
            currency=currency or "RUB",
            created_at=created_at,
            updated_at=observed_at,
            cancelled_at=self._get_cancelled_at(observed_at, cancelled),
            ship_by=self._get_ship_by(created_at),
            taxes_included=True,
            customer=NormalizedCustomer(name="Wildberries buyer", is_guest=True),
            lines=lines,
            total=self._get_lines_total(lines),
            financial_status="paid",
            fulfillment_status="unfulfilled",
            status=status,
            raw=order.data,
        )

    def _normalize_tasks(self, tasks, cancelled):
        """``(lines, currencies, created_at)`` of the order's tasks (``PayloadReader``s): a
        ``NormalizedLine`` per task still to ship (every task when the order is
        ``cancelled``), the set of their currency codes, and when the first task was created
        (naive UTC, None when no task says)."""
        lines, currencies, created = [], set(), []
        for task in tasks:
            created.append(task.datetime("createdAt"))
            if not cancelled and _is_task_cancelled(task.data):
                continue  # the buyer cancelled this unit only
            line, currency = self._normalize_task(task)
            currencies.add(currency)
            lines.append(line)
        return lines, currencies, min((c for c in created if c), default=None)

    def _normalize_task(self, task):
        """``(NormalizedLine, currency code)`` of one assembly task: one unit at
        ``convertedPrice`` / 100, VAT included; its first barcode as the product's."""
        code = int(task.number("convertedCurrencyCode", required=True, minimum=1))
        currency = self._get_currency_name(code, task.path)
        price = round_amount(task.number("convertedPrice", required=True, minimum=0) / 100.0)
        barcodes = [b for _i, b in task.items("skus") if isinstance(b, str | int)]
        barcode = str(barcodes[0]) if barcodes else ""
        line = NormalizedLine(
            external_id=task.ident("id", required=True),
            sku=task.ident("article"),
            barcode=barcode,
            external_product_id=barcode,
            name=task.text("article") or barcode,
            quantity=1.0,
            price_unit=price,
            taxes=self._get_vat_taxes(price),
        )
        return line, currency

    def _get_single_currency(self, number, currencies):
        """As the base, with the tasks named in the error."""
        if len(currencies) > 1:
            raise OmsPayloadError(
                _lt(
                    "Order %(order)s: tasks in several currencies %(currencies)s.",
                    order=number,
                    currencies=currencies,
                )
            )
        return super()._get_single_currency(number, currencies)

    def _get_ship_by(self, created_at):
        """The hand-over deadline (naive UTC): ``created_at`` plus the channel's hand-over
        hours; None when either is unknown (Wildberries gives no deadline per task)."""
        hours = self.channel.marketplace_handover_hours
        return created_at + timedelta(hours=hours) if created_at and hours else None

    def _get_currency_name(self, code, path):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("iso_numeric", "=", code)], limit=1)
        )
        name = currency.name or WB_CURRENCIES.get(code)
        if not name:
            raise OmsPayloadError(
                _lt(
                    "%(path)s: %(code)s is not a known ISO 4217 currency number.",
                    path=path,
                    code=code,
                )
            )
        return name

    # ------------------------------------------------------------------ outbound
    def push_fulfillment(self, binding, shipment):
        """Add the shipped tasks to the channel's open supply (created when there is none);
        tasks Wildberries already shows in a supply (``confirm`` / ``complete``) are skipped.
        Returns the supply id."""
        task_ids = sorted(
            int(task_id)
            for task_id, quantity in (shipment.get("lines") or {}).items()
            if str(task_id).isdigit() and quantity
        )
        if not task_ids:
            raise OmsError(
                _lt("Order %(order)s: no Wildberries task to ship.", order=binding.external_name)
            )
        answer = self._request("POST", "/api/v3/orders/status", {"orders": task_ids})
        done = {
            s.get("id")
            for s in answer.get("orders") or []
            if s.get("supplierStatus") in ("confirm", "complete")
        }
        supply_id = self.channel._get_marketplace_supply(self)
        for task_id in task_ids:
            if task_id not in done:
                self._request("PATCH", f"/api/v3/supplies/{supply_id}/orders/{task_id}")
        return supply_id

    def create_supply(self, name):
        """A new supply; its id (``WB-GI-...``)."""
        answer = self._request("POST", "/api/v3/supplies", {"name": name})
        if not answer.get("id"):
            raise OmsError(_lt("Wildberries created no supply."))
        return str(answer["id"])

    def push_stock_levels(self, levels):
        """``PUT /api/v3/stocks/{warehouseId}`` per mapped warehouse, 1,000 barcodes a call.
        A 409 names the barcodes refused; they are the errors of their levels."""
        quantities = self._get_warehouse_quantities([level for level, _qty in levels])
        if not quantities:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: map at least one Wildberries warehouse.",
                    channel=self.channel.name,
                )
            )
        errors, by_warehouse = {}, {}
        for level, _quantity in levels:
            barcode = (level.external_id or level.product_id.barcode or "").strip()
            if not barcode:
                errors[level.id] = _lt("No Wildberries barcode (the product's barcode).")
                continue
            for (level_id, warehouse_id), quantity in quantities.items():
                if level_id == level.id:
                    by_warehouse.setdefault(warehouse_id, []).append((level, barcode, quantity))
        for warehouse_id, items in sorted(by_warehouse.items()):
            for batch in chunks(items, self.stock_batch_size):
                body = {"stocks": [{"sku": code, "amount": int(qty)} for _lv, code, qty in batch]}
                try:
                    self._request("PUT", f"/api/v3/stocks/{warehouse_id}", body, budget="stocks")
                except MarketplaceRefusedError as exc:
                    errors.update(_wb_stock_errors(exc, batch))
        return errors

    def test_connection(self):
        answer = self._request("GET", "/api/v3/warehouses")
        return [
            (str(wh.get("id")), str(wh.get("name") or wh.get("id")))
            for wh in answer or []
            if isinstance(wh, dict) and wh.get("id")
        ]


def _is_task_cancelled(task):
    status = task.get("status") or {}
    return (
        status.get("supplierStatus") in WB_CANCELLED_SUPPLIER
        or status.get("wbStatus") in WB_CANCELLED_WB
    )


def _wb_stock_errors(exc, batch):
    """``{level id: message}`` from a refused stock call: the barcodes a 409 names, else all."""
    named = {}
    for error in exc.answer if isinstance(exc.answer, list) else []:
        for item in error.get("data") or []:
            named[str(item.get("sku"))] = error.get("message") or error.get("code")
    if not named:
        return {level.id: str(exc) for level, _code, _qty in batch}
    return {level.id: named[code] for level, code, _qty in batch if code in named}
