# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the marketplace returns tests share: a marketplace channel against its local
imitation (``MarketplaceMixin``: the one ``FakeServer``), a pull that also reads the returns,
delivery of the pulled order, and the four scenarios every marketplace goes through (see
``test_marketplace_lifecycle``). A marketplace's test class sets its imitation up and says
what it expects; the expected values are worked out in ``data/MARKETPLACE_RETURNS.md``."""

import json
from pathlib import Path

from odoo.addons.oms_connector.tests.common_marketplace import MarketplaceMixin
from odoo.addons.queue_job.tests.common import trap_jobs

DATA = Path(__file__).parent / "data"


def returns_sample(name):
    return json.loads((DATA / name).read_text())


class MarketplaceReturnsMixin(MarketplaceMixin):
    """Subclasses implement the imitation's hooks (``_serve_*``, ``_assert_*``) and set:

    * ``order_ref``: the order's reference in Odoo (``client_order_ref``);
    * ``expected_return``: ``(external id, [(internal reference, quantity, reason code,
      buyer's note)])`` of the OMS return the sample return becomes;
    * ``broken_path``: the JSON path ``_break_return`` breaks (named by the failed event);
    * ``pulled_returns``: how many returns of the sample the pull stores.
    """

    order_ref = ""
    expected_return = ("", [])
    broken_path = ""
    pulled_returns = 1

    # ------------------------------------------------------------------ hooks
    def _serve_order(self):
        """The imitation lists the marketplace order (new, not shipped)."""
        raise NotImplementedError

    def _serve_returns(self, returns):
        """The imitation lists ``returns`` (``_sample_returns()`` or a broken copy; None: no
        return)."""
        raise NotImplementedError

    def _sample_returns(self):
        """The sample return(s), as the imitation lists them."""
        raise NotImplementedError

    def _break_return(self, returns):
        """A copy of ``returns`` with the field at ``broken_path`` unusable."""
        raise NotImplementedError

    def _prepare_shipment(self, picking):
        """What the warehouse sets on the delivery before validating it (tracking...)."""

    def _assert_shipment_told(self, order, picking):
        """The imitation received the shipment of ``order`` once."""
        raise NotImplementedError

    def _assert_stock_told(self):
        """The imitation received the stock left after the shipment."""
        raise NotImplementedError

    # ------------------------------------------------------------------ steps
    def _pull(self):
        """The channel's pull (orders, then returns) and the processing of what it stored,
        as the queue would run them."""
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()  # the jobs those jobs enqueued (woken events)

    def _process(self, events):
        with trap_jobs() as trap:
            events._enqueue_processing()
            trap.perform_enqueued_jobs()

    def _ship(self, order, told=True):
        """Validate the order's delivery; with ``told``, run the jobs that tell the
        marketplace (else they are left for another test to care about)."""
        picking = order.picking_ids
        self._prepare_shipment(picking)
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            if told:
                trap.perform_enqueued_jobs()
                picking._oms_job_push_tracking()  # a retry tells nothing again
        self.assertEqual(picking.state, "done")
        return picking

    def _returns(self):
        return self.env["oms.return"].search([("channel_id", "=", self.channel.id)])

    def _return_events(self, all_returns=False):
        """The event of the expected return (with ``all_returns``: of every return)."""
        domain = [("channel_id", "=", self.channel.id), ("topic", "=", "return.requested")]
        if not all_returns:
            domain.append(("delivery_id", "=", f"return:{self.expected_return[0]}"))
        return self.env["oms.channel.event"].search(domain)

    def _order_events(self):
        return self.env["oms.channel.event"].search(
            [("channel_id", "=", self.channel.id), ("topic", "!=", "return.requested")]
        )

    def _assert_expected_return(self, ret, order):
        external_id, lines = self.expected_return
        self.assertEqual(ret.external_id, external_id)
        self.assertEqual(ret.source, "channel")
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.partner_id, order.partner_id)
        self.assertEqual(ret.sale_order_ids, order)
        self.assertEqual(
            sorted(
                ret.line_ids.mapped(
                    lambda line: (
                        line.product_id.default_code,
                        line.quantity,
                        line.reason_id.code,
                        line.customer_note,
                    )
                )
            ),
            sorted(lines),
        )
        self.assertEqual(ret.line_ids.sale_line_id.order_id, order)
        event = self._return_events()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.source, "pull")
        self.assertEqual(event.sale_order_id, order)

    # ------------------------------------------------------------------ scenarios
    def _check_lifecycle(self):
        """Order pulled -> confirmed, routed order with its delivery -> delivery validated ->
        shipment and stock told to the marketplace -> a return pulled becomes an OMS return,
        once however often it is pulled."""
        self._serve_order()
        self._serve_returns(None)
        self._pull()
        order = self._orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.client_order_ref, self.order_ref)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.warehouse_id, self.warehouse, "routed to the mapped warehouse")
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.picking_type_id.warehouse_id, self.warehouse)
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(self._returns())

        picking = self._ship(order)
        self._assert_shipment_told(order, picking)
        self.channel.write({"stock_sync": True, "stock_buffer": 0})
        self.env["oms.channel.stock.level"]._ensure_levels(
            self.channel.id, order.order_line.product_id.filtered("is_storable").ids
        )
        self.channel._push_stock_levels()
        self._assert_stock_told()

        self._serve_returns(self._sample_returns())
        self._pull()
        ret = self._returns()
        self.assertEqual(len(ret), 1)
        self._assert_expected_return(ret, order)
        self._pull()  # the next schedule lists the same return again
        self.assertEqual(self._returns(), ret)
        self.assertEqual(len(self._return_events()), 1)
        self.assertEqual(len(self._return_events(all_returns=True)), self.pulled_returns)
        return order, ret

    def _check_return_waits_for_its_order(self, product):
        """The order's intake fails (``product`` archived): its return waits with a clear
        message, and is taken in by itself once the order is."""
        product.active = False
        self._serve_order()
        self._serve_returns(self._sample_returns())
        self._pull()
        self.assertFalse(self._orders())
        order_event = self._order_events().filtered(lambda e: e.state == "failed")
        self.assertEqual(len(order_event), 1, self._order_events().mapped("error"))
        event = self._return_events()
        self.assertEqual(event.state, "waiting", event.error)
        self.assertIn(f"is for order {event.external_order_id}", event.error)
        self.assertIn("waits for the order", event.error)
        self.assertFalse(self._returns())

        # the fix: the product is back; the order's event retried takes the order in and
        # wakes its return
        product.active = True
        with trap_jobs() as trap:
            order_event.action_retry()
            trap.perform_enqueued_jobs()
        order = self._orders()
        self.assertEqual(order.client_order_ref, self.order_ref)
        self.assertEqual(event.state, "pending", "woken when its order came in")
        self._ship(order, told=False)
        self._process(event)
        self._assert_expected_return(self._returns(), order)

    def _check_bad_return_fails_then_retry(self):
        """A return the marketplace sends broken: the event fails naming the JSON path and
        keeps what was pulled; once the marketplace lists it right, Retry takes it in."""
        self._serve_order()
        self._serve_returns(None)
        self._pull()
        order = self._orders()
        self._ship(order, told=False)
        self._serve_returns(self._break_return(self._sample_returns()))
        self._pull()
        event = self._return_events()
        self.assertEqual(event.state, "failed")
        self.assertIn(self.broken_path, event.error)
        self.assertFalse(event.error.startswith("Unexpected error"), event.error)
        self._assert_stored_payload(event, broken=True)
        self.assertFalse(self._returns())

        self._serve_returns(self._sample_returns())  # the marketplace corrected it
        self._pull()
        self.assertEqual(event.state, "failed", "retried by the user, not by the pull")
        self._assert_stored_payload(event, broken=False)
        self._process_retry(event)
        self._assert_expected_return(self._returns(), order)

    def _process_retry(self, event):
        with trap_jobs() as trap:
            event.action_retry()
            trap.perform_enqueued_jobs()

    def _assert_stored_payload(self, event, broken):
        """The event holds the imitation's return as pulled (a marketplace whose pull adds
        to it or regroups it overrides this)."""
        returns = self._sample_returns()
        expected = (self._break_return(returns) if broken else returns)[0]
        self.assertEqual(json.loads(event.payload), expected)
