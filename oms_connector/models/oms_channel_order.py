# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, api, fields, models
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..adapters.exceptions import OmsError, OmsEventIgnored
from .concurrency import as_passing_conflict, is_passing_conflict, job_retried_on_conflict
from .procurement_batch import procurement_batch

_logger = logging.getLogger(__name__)

#: errors of one order that a user fixes (mapping, data): reported on its event
MAPPING_ERRORS = (OmsError, UserError, ValidationError)
#: how often a batch is tried again without the orders that failed in it, before the rest
#: of it goes one order at a time
BATCH_ATTEMPTS = 3


class OmsBatchOrdersFailed(Exception):
    """Some orders of a batch failed once the batch had written: ``errors`` is
    {index of the order in the batch's items: exception}. The batch is undone and tried again
    without them."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} orders of the batch failed")
        self.errors = errors


class OmsChannelOrder(models.Model):
    """The binding between a channel's order and its Odoo ``sale.order``: one per channel and
    external id, enforced by the database, so an order is never taken in twice."""

    _name = "oms.channel.order"
    _description = "Channel Order"
    _order = "external_created_at desc, id desc"
    _rec_name = "external_name"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_id = fields.Char(required=True, help="The channel's id of the order.")
    external_name = fields.Char(help="The order number the customer sees on the channel.")
    sale_order_id = fields.Many2one("sale.order", required=True, index=True, ondelete="cascade")
    external_status = fields.Char(help="The channel's own status of the order.")
    external_financial_status = fields.Char()
    external_fulfillment_status = fields.Char()
    external_created_at = fields.Datetime()
    external_updated_at = fields.Datetime(
        help="Last update of the order on the channel that Odoo reflects: older events never "
        "overwrite newer state."
    )
    external_total = fields.Float(digits=0)
    presentment_currency = fields.Char(
        help="ISO code of the currency the customer paid in, when not the order's: the "
        "channel's payments and refunds in it are converted at the order's own rate."
    )
    presentment_total = fields.Float(digits=0, help="The order's total in that currency.")
    currency_id = fields.Many2one(related="sale_order_id.currency_id")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This channel order is already in Odoo.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        # events delivered before their order (a payment, a refund) were waiting for it
        self.env["oms.channel.event"]._wake_events_waiting_for(bindings)
        return bindings

    def _after_order_imported(self, normalized, event):
        """Hook called in the intake job after the order was created or updated from
        ``normalized`` (a ``NormalizedOrder``). Accounting (payments), routing and other features
        extend it; each extension must be idempotent (it can run again on the same order)."""
        return True

    def _after_orders_imported(self, normalized_list, events):
        """Batch counterpart of ``_after_order_imported`` for these new bindings
        (``normalized_list`` and ``events`` aligned on them). Returns ``{position: mapping
        error}`` of the orders whose hook failed (their batch is then undone without them).
        Extend to do for the whole batch at once what ``_after_order_imported`` does per order."""
        errors = {}
        for position, (binding, normalized, event) in enumerate(
            zip(self, normalized_list, events, strict=True)
        ):
            try:
                binding._after_order_imported(normalized, event)
            except MAPPING_ERRORS as exc:
                errors[position] = exc
        return errors

    # ------------------------------------------------------------------ intake mapping
    @api.model
    def _get_import_context(self):
        """Context of the intake: no chatter or tracking on the bulk path (the binding and the
        event say where the order came from). Extend to add keys."""
        return {
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "mail_notrack": True,
            "mail_auto_subscribe_no_notify": True,
            # the channel confirms the order to the customer: no mail, no customer follower,
            # no "created from" note on the deliveries (see sale_order_intake, stock_intake)
            "send_email": False,
            "oms_intake_bulk": True,
        }

    @api.model
    def _get_binding(self, channel, external_id):
        return self.search(
            [("channel_id", "=", channel.id), ("external_id", "=", external_id)], limit=1
        )

    @api.model
    def _import_normalized_order(self, channel, normalized, event=None):
        """Create, or update, the sale order of the channel order ``normalized`` (a
        ``NormalizedOrder``) and return its binding.

        Runs in a savepoint: on any error nothing of the order is left. Raises
        ``OmsMappingError`` when the order cannot be mapped yet (unknown product, unmapped tax,
        missing address, total mismatch) and ``OmsEventIgnored`` when the event is older than
        what Odoo already reflects."""
        # sudo: the intake is a system process. The event was accepted from a signed webhook
        # or a pull; whoever runs its job (the queue, a user's retry) must not need sales,
        # stock and accounting rights to take the order in.
        self = (
            self.sudo().with_company(channel.company_id).with_context(**self._get_import_context())
        )
        channel = channel.with_env(self.env)
        try:
            with self.env.cr.savepoint():
                return self._import_normalized_order_now(channel, normalized, event)
        except Exception as exc:
            if is_passing_conflict(exc):
                # another transaction created the same order, customer or record just now:
                # retried in a new transaction, which finds and uses it
                raise as_passing_conflict(exc) from exc
            raise

    @api.model
    def _import_normalized_order_now(self, channel, normalized, event):
        """The work of ``_import_normalized_order``, in its savepoint."""
        binding = self._get_binding(channel, normalized.external_id)
        if binding:
            binding._ensure_event_not_stale(normalized)
            binding._update_from_normalized(normalized)
        else:
            binding = self._create_from_normalized(channel, normalized)
        if normalized.cancelled_at:
            binding._cancel_sale_order()
        else:
            binding._confirm_sale_order_if_due()
        binding._after_order_imported(normalized, event)
        self.env.flush_all()  # a conflict on a unique key shows here, inside the savepoint
        return binding

    @api.model
    def _cancel_normalized_order(self, channel, normalized, event=None):
        """Cancel the sale order of ``normalized`` (flag it when it already shipped). An order
        Odoo never took in is taken in first, cancelled, so that nothing sold is missing."""
        if not normalized.cancelled_at:
            normalized.cancelled_at = fields.Datetime.now()
        # sudo: see _import_normalized_order
        self = (
            self.sudo().with_company(channel.company_id).with_context(**self._get_import_context())
        )
        channel = channel.with_env(self.env)
        binding = self._get_binding(channel, normalized.external_id)
        if not binding and not normalized.lines:
            raise OmsEventIgnored(
                self.env._(
                    "Order %(order)s was cancelled on the channel before Odoo took it in, and "
                    "the message carries no lines: nothing to cancel.",
                    order=normalized.name or normalized.external_id,
                )
            )
        if binding and not normalized.lines:
            # a bare cancellation notice (id only): cancel, keep the rest as it is
            with self.env.cr.savepoint():
                binding._ensure_event_not_stale(normalized)
                binding._cancel_sale_order()
                binding.write({"external_status": "cancelled"})
                if binding.sale_order_id.state == "cancel":
                    binding.sale_order_id.oms_channel_status = "cancelled"
                binding._after_order_imported(normalized, event)
            return binding
        return self._import_normalized_order(channel, normalized, event)

    # ------------------------------------------------------------------ create
    @api.model
    def _get_mapper(self):
        """The model mapping channel orders onto Odoo (``oms.channel.order.mapper``)."""
        return self.env["oms.channel.order.mapper"]

    @api.model
    def _create_from_normalized(self, channel, normalized):
        """The new sale order and its binding (the mapper's batch of one)."""
        vals = self._get_mapper()._prepare_orders_create_vals(channel, [normalized])[0]
        if isinstance(vals, Exception):
            raise vals
        order = self.env["sale.order"].create(vals)
        self._get_mapper()._check_order_total(order, normalized, channel)
        binding = self.create(self._prepare_binding_vals(channel, normalized, order))
        binding._flag_mapping_notes([normalized])
        return binding

    # ------------------------------------------------------------------ batch
    @api.model
    def _import_normalized_orders(self, channel, items):
        """Import many channel orders at once: ``items`` is a list of ``(normalized, event)``.
        Returns a list aligned on ``items``: the binding, or the exception of that order.

        New orders are mapped with a few queries for all of them, created by one
        ``sale.order.create`` and confirmed by one ``action_confirm`` (the procurement then runs
        once for all), in one savepoint. Each order keeps its all-or-nothing guarantee: an order
        that cannot be mapped is left out before anything is written; one that fails after
        (total mismatch, a hook) undoes the batch, which is tried again without it; after
        ``BATCH_ATTEMPTS`` tries, or on an unexpected error, the rest goes one by one. Updates,
        cancellations and repeated ids always go one by one."""
        # sudo: see _import_normalized_order
        self = (
            self.sudo().with_company(channel.company_id).with_context(**self._get_import_context())
        )
        channel = channel.with_env(self.env)
        results = [None] * len(items)
        batch, single = self._get_batch_and_single_indexes(channel, items)
        batch = self._import_new_orders_in_batches(channel, items, batch, results)
        single = sorted(single + [index for index in batch if results[index] is None])
        for index in single:
            normalized, event = items[index]
            try:
                results[index] = self._import_normalized_order(channel, normalized, event)
            except Exception as exc:  # reported to the order's own event
                results[index] = exc
        return results

    @api.model
    def _get_batch_and_single_indexes(self, channel, items):
        """(indexes of ``items`` imported together, indexes imported one by one): the first
        occurrence of each new, not cancelled order goes to the batch; known orders (one query
        for all), repeated ids and cancellations go one by one."""
        known = set(
            self.search(
                [
                    ("channel_id", "=", channel.id),
                    ("external_id", "in", [normalized.external_id for normalized, _e in items]),
                ]
            ).mapped("external_id")
        )
        batch, single, seen = [], [], set()
        for index, (normalized, _event) in enumerate(items):
            external_id = normalized.external_id
            if external_id in known or external_id in seen or normalized.cancelled_at:
                single.append(index)
            else:
                seen.add(external_id)
                batch.append(index)
        return batch, single

    @api.model
    def _import_new_orders_in_batches(self, channel, items, batch, results):
        """Import the new orders ``items[batch]`` together, up to ``BATCH_ATTEMPTS`` times
        without the orders that failed; returns the indexes left to import one by one. A
        conflict with a parallel batch gives all of them an ``OmsPassingConflict`` (retried
        in a new transaction, not one by one in this one, which cannot see the other's work)."""
        for _attempt in range(BATCH_ATTEMPTS):
            if not batch:
                break
            try:
                with self.env.cr.savepoint():
                    self._import_new_orders_batch(channel, items, batch, results)
                    self.env.flush_all()
                batch = []
            except OmsBatchOrdersFailed as exc:
                _logger.info("Batch import undone (%s): again without them", exc)
                self._reset_batch_results(batch, results)
                for index, error in exc.errors.items():
                    results[index] = error
                batch = [index for index in batch if index not in exc.errors]
            except Exception as exc:  # the batch is undone
                self._reset_batch_results(batch, results)
                if not is_passing_conflict(exc):
                    _logger.info("Batch of %s orders undone (%s): one by one", len(batch), exc)
                    return batch
                # it met a parallel batch on a first-sight record: all of it again in a new
                # transaction, which sees that record
                _logger.info("Batch of %s orders undone, retried: %s", len(batch), exc)
                conflict = as_passing_conflict(exc)
                for index in batch:
                    results[index] = results[index] or conflict
                return []
        return batch

    @api.model
    def _reset_batch_results(self, indexes, results):
        """Forget the bindings of an undone batch; the mapping errors found before it wrote
        stay (they did not depend on it)."""
        for index in indexes:
            if not isinstance(results[index], Exception):
                results[index] = None

    @api.model
    def _import_new_orders_batch(self, channel, items, indexes, results):
        """Create, check, bind and confirm the new orders ``items[indexes]`` together. An order
        that cannot be mapped gets its exception in ``results`` and nothing of it is written;
        orders failing after the batch wrote raise ``OmsBatchOrdersFailed`` (the caller undoes
        the batch); any other failure raises as it is."""
        prepared = []
        mapper = self._get_mapper()
        vals_list = mapper._prepare_orders_create_vals(channel, [items[i][0] for i in indexes])
        for index, vals in zip(indexes, vals_list, strict=True):
            if isinstance(vals, Exception):
                results[index] = vals
            else:
                prepared.append((index, vals))
        if not prepared:
            return
        orders = self.env["sale.order"].create([vals for _index, vals in prepared])
        errors = self._get_orders_total_errors(channel, items, prepared, orders)
        if errors:
            raise OmsBatchOrdersFailed(errors)
        bindings = self.create(
            [
                self._prepare_binding_vals(channel, items[index][0], order)
                for (index, _vals), order in zip(prepared, orders, strict=True)
            ]
        )
        normalized_list = [items[index][0] for index, _vals in prepared]
        bindings._flag_mapping_notes(normalized_list)
        bindings._confirm_sale_orders_if_due()
        hook_errors = bindings._after_orders_imported(
            normalized_list, [items[index][1] for index, _vals in prepared]
        )
        for position, ((index, _vals), binding) in enumerate(zip(prepared, bindings, strict=True)):
            if position in hook_errors:
                errors[index] = hook_errors[position]
            results[index] = binding
        if errors:
            raise OmsBatchOrdersFailed(errors)

    @api.model
    def _get_orders_total_errors(self, channel, items, prepared, orders):
        """{index of ``items``: mapping error} of the new ``orders`` (aligned on ``prepared``,
        ``(index, vals)`` pairs) whose total differs from the channel's."""
        mapper = self._get_mapper()
        errors = {}
        for (index, _vals), order in zip(prepared, orders, strict=True):
            try:
                mapper._check_order_total(order, items[index][0], channel)
            except MAPPING_ERRORS as exc:
                errors[index] = exc
        return errors

    @api.model
    def _prepare_binding_vals(self, channel, normalized, order=None):
        vals = {
            "external_name": normalized.name,
            "external_status": normalized.status,
            "external_financial_status": normalized.financial_status,
            "external_fulfillment_status": normalized.fulfillment_status,
            "external_created_at": normalized.created_at,
            "external_updated_at": normalized.updated_at,
            "external_total": normalized.total,
        }
        if normalized.presentment_currency:
            vals.update(
                presentment_currency=normalized.presentment_currency,
                presentment_total=normalized.presentment_total,
            )
        if order is not None:
            vals.update(
                channel_id=channel.id, external_id=normalized.external_id, sale_order_id=order.id
            )
        return vals

    # ------------------------------------------------------------------ update
    def _ensure_event_not_stale(self, normalized):
        """``OmsEventIgnored`` when ``normalized`` is older than what the binding reflects."""
        self.ensure_one()
        if (
            normalized.updated_at
            and self.external_updated_at
            and normalized.updated_at < self.external_updated_at
        ):
            raise OmsEventIgnored(
                self.env._(
                    "Ignored: this event shows order %(order)s as of %(event_at)s, Odoo already "
                    "reflects its update of %(known_at)s.",
                    order=self.external_name or self.external_id,
                    event_at=normalized.updated_at,
                    known_at=self.external_updated_at,
                )
            )

    def _is_shipped(self):
        """True once goods of the order left the warehouse: a done outgoing delivery (or a
        delivered quantity). A posted invoice is not a shipment: an invoiced order that did not
        ship is still cancelled or changed automatically (its books are corrected)."""
        self.ensure_one()
        order = self.sale_order_id
        return any(
            picking.state == "done" and picking.picking_type_code == "outgoing"
            for picking in order.picking_ids
        ) or any(line.qty_delivered for line in order.order_line if not line.is_delivery)

    def _is_being_prepared(self):
        """True when a delivery of the order is already picked or handed to a 3PL: changing or
        cancelling it then needs a person (the goods are off the shelf, or a third party
        holds the request). Extend for other ways a delivery leaves Odoo's hands."""
        self.ensure_one()
        pickings = self.sale_order_id.picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        return any(move.picked for move in pickings.move_ids) or any(
            picking.oms_3pl_state in ("sent", "confirmed") for picking in pickings
        )

    def _update_from_normalized(self, normalized):
        """Apply an update of the channel order: addresses and lines while nothing shipped,
        else only the channel's statuses, and the order is flagged for review when its lines
        changed. The channel's total is checked on every update that is applied."""
        self.ensure_one()
        order = self.sale_order_id
        channel = self.channel_id
        changed = flagged = False
        if order.state != "cancel" and not normalized.cancelled_at:
            lines_vals = self._get_mapper()._prepare_orders_lines_vals(channel, [normalized])[0]
            if isinstance(lines_vals, Exception):
                raise lines_vals
            if self._is_shipped() or order.locked or self._is_being_prepared():
                flagged = self._lines_differ(lines_vals)
                if flagged:
                    self._flag_changed_after_shipping(normalized)
            else:
                self._update_addresses(normalized)
                changed = self._sync_order_lines(lines_vals)
            if not flagged:
                self._check_updated_total(normalized)
        order.oms_channel_status = normalized.status
        self.write(self._prepare_binding_vals(channel, normalized))
        return changed

    def _check_updated_total(self, normalized):
        """``OmsMappingError`` unless the updated order's total is the channel's, as on
        creation. Channels whose total is the current one (Shopify's ``current_total_price``)
        take off the refunds that no removed line explains (goodwill, shipping): those are
        booked as credit notes, not as line changes."""
        self.ensure_one()
        order = self.sale_order_id
        mapper = self._get_mapper()
        unexplained = sum(
            refund.amount - sum(line.amount for line in refund.lines)
            for refund in normalized.refunds
        )
        if unexplained and not order.currency_id.compare_amounts(
            normalized.total, order.amount_total - unexplained
        ):
            return
        mapper._check_order_total(order, normalized, self.channel_id)

    def _flag_changed_after_shipping(self, normalized):
        """Flag the order whose lines changed on the channel after it shipped."""
        self._flag_for_review(
            self.env._("Order changed on the channel after shipping"),
            self.env._(
                "Order %(order)s was edited on channel %(channel)s after it shipped "
                "(or was invoiced, or locked): its lines were not changed in Odoo. "
                "Review the order and adjust it by hand.",
                order=normalized.name,
                channel=self.channel_id.name,
            ),
        )

    def _update_addresses(self, normalized):
        """Give the (not yet shipped) order the invoice and shipping addresses of
        ``normalized``; its deliveries go to the new shipping address too."""
        order = self.sale_order_id
        mapper = self._get_mapper()
        partner = order.partner_id
        no_address = not (normalized.shipping_address or normalized.billing_address)
        if no_address and self.channel_id.require_shipping_address:
            mapper._ensure_shipping_address(
                self.channel_id,
                normalized,
                partner.street and partner.country_id,
                partner.display_name,
            )
        invoice, shipping = mapper._get_orders_addresses([(normalized, partner)])[0]
        address_vals = {}
        if order.partner_invoice_id != invoice:
            address_vals["partner_invoice_id"] = invoice.id
        if order.partner_shipping_id != shipping:
            address_vals["partner_shipping_id"] = shipping.id
        if address_vals:
            order.with_context(update_delivery_shipping_partner=True).write(address_vals)

    def _lines_differ(self, lines_vals):
        """True when ``lines_vals`` would change the order's lines."""
        current = {
            line.oms_external_line_id: line
            for line in self.sale_order_id.order_line
            if line.oms_external_line_id and line.product_uom_qty
        }
        wanted = {vals["oms_external_line_id"]: vals for vals in lines_vals}
        if set(current) != set(wanted):
            return True
        return any(self._line_changes(current[key], vals) for key, vals in wanted.items())

    @api.model
    def _line_changes(self, line, vals):
        """The values of ``vals`` that differ from ``line`` (a dict, a subset of ``vals``
        without ``oms_external_line_id``)."""
        currency = line.order_id.currency_id
        return {
            name: value
            for name, value in vals.items()
            if name != "oms_external_line_id"
            and self._line_value_differs(line, name, value, currency)
        }

    @api.model
    def _line_value_differs(self, line, name, value, currency):
        """True when the line vals ``value`` of field ``name`` differs from ``line[name]``: taxes
        as sets of ids, many2one by id, the unit price to ``currency``'s rounding, other floats
        to 4 digits."""
        current = line[name]
        if name == "tax_id":
            return set(current.ids) != set(value[0][2])
        field_type = line._fields[name].type
        if field_type == "many2one":
            return current.id != value
        if field_type == "float":
            if name == "price_unit":
                return bool(currency.compare_amounts(current, value))
            return bool(float_compare(current, value, precision_digits=4))
        return current != value

    def _sync_order_lines(self, lines_vals):
        """Make the order's lines those of ``lines_vals`` (matched on their channel key); return
        True when it changed them.

        A draft order's removed lines are deleted; a confirmed order's are set to quantity 0
        (Odoo then updates the delivery). A line whose product changed is replaced."""
        order = self.sale_order_id
        confirmed = order.state == "sale"
        current = {
            line.oms_external_line_id: line
            for line in order.order_line
            if line.oms_external_line_id
        }
        commands = []
        for sequence, vals in enumerate(lines_vals, start=1):
            line = current.pop(vals["oms_external_line_id"], None)
            commands += self._get_line_sync_commands(line, vals, sequence, confirmed)
        commands += self._get_removed_lines_commands(current.values(), confirmed)
        if commands:
            order.write({"order_line": commands})
        return bool(commands)

    @api.model
    def _get_line_sync_commands(self, line, vals, sequence, confirmed):
        """The ``order_line`` commands making ``line`` (or no line: None) the wanted ``vals``:
        a create, a replacement when the product changed, an update of what differs, or none."""
        commands = []
        if line and line.product_id.id != vals["product_id"]:
            commands += self._get_removed_lines_commands(line, confirmed, unbind=True)
            line = None
        if line is None:
            return commands + [Command.create(dict(vals, sequence=sequence))]
        changes = self._line_changes(line, vals)
        if changes:
            # always with the channel's price and discount: a new quantity would otherwise
            # recompute them from the pricelist
            changes.update(price_unit=vals["price_unit"], discount=vals["discount"])
            commands.append(Command.update(line.id, changes))
        return commands

    @api.model
    def _get_removed_lines_commands(self, lines, confirmed, unbind=False):
        """The ``order_line`` commands removing ``lines``: deleted from a draft order, set to
        quantity 0 on a confirmed one (``unbind``: also freed of their channel key, for a line
        replaced by another of the same key)."""
        commands = []
        for line in lines:
            if not confirmed:
                commands.append(Command.delete(line.id))
            elif unbind:
                commands.append(
                    Command.update(line.id, {"product_uom_qty": 0.0, "oms_external_line_id": False})
                )
            elif line.product_uom_qty:
                commands.append(Command.update(line.id, {"product_uom_qty": 0.0}))
        return commands

    def _flag_mapping_notes(self, normalized_list):
        """Flag for review the new orders whose mapping made a choice a person should check
        (``review_notes`` of the ``NormalizedOrder`` aligned on each binding)."""
        for binding, normalized in zip(self, normalized_list, strict=True):
            if normalized.review_notes:
                binding._flag_for_review(
                    self.env._("Check how the channel order was taken in"),
                    "\n".join(normalized.review_notes),
                )

    def _flag_for_review(self, summary, note):
        """Mark the sale order for a person: a to-do activity for its salesperson and a
        filterable flag. Extend to notify elsewhere."""
        for binding in self:
            order = binding.sale_order_id
            order.oms_needs_review = True
            if binding._get_open_review_activity(summary):
                continue  # the same change delivered again: one open to-do per reason
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=order.user_id.id or self.env.uid,
            )

    def _get_open_review_activity(self, summary):
        """The open to-do of the sale order flagged for ``summary``, or an empty record."""
        self.ensure_one()
        todo = self.env.ref("mail.mail_activity_data_todo")
        return self.sale_order_id.activity_ids.filtered(
            lambda activity: activity.activity_type_id == todo and activity.summary == summary
        )[:1]

    # ------------------------------------------------------------------ cancel / confirm
    def _cancel_sale_order(self):
        """Cancel the sale order and its deliveries while nothing shipped. A shipped order is
        flagged for a return and refund; one whose delivery is picked or handed to a 3PL is
        held for a person (the delivery must be stopped first). The books of a cancelled order
        are corrected by the accounting (one credit note, the refund payment)."""
        for binding in self:
            order = binding.sale_order_id
            if order.state == "cancel":
                continue
            if binding._is_shipped():
                binding._flag_cancelled_after_shipping()
            elif binding._is_being_prepared():
                binding._flag_cancelled_while_prepared()
            else:
                order.with_context(disable_cancel_warning=True)._action_cancel()

    def _flag_cancelled_after_shipping(self):
        self.ensure_one()
        self.sale_order_id.oms_channel_status = self.env._("Cancelled on channel after shipping")
        self._flag_for_review(
            self.env._("Cancelled on the channel after shipping"),
            self.env._(
                "Order %(order)s was cancelled on channel %(channel)s after it shipped: "
                "arrange the return and the refund.",
                order=self.external_name,
                channel=self.channel_id.name,
            ),
        )

    def _flag_cancelled_while_prepared(self):
        self.ensure_one()
        self.sale_order_id.oms_channel_status = self.env._(
            "Cancelled on channel while being prepared"
        )
        self._flag_for_review(
            self.env._("Cancelled on the channel while being prepared"),
            self.env._(
                "Order %(order)s was cancelled on channel %(channel)s while its delivery was "
                "picked or handed to a 3PL: stop the delivery, then cancel the order.",
                order=self.external_name,
                channel=self.channel_id.name,
            ),
        )

    def _is_confirmation_due(self):
        """True when the channel's confirmation policy confirms the order now, given its
        financial status as last taken in."""
        self.ensure_one()
        return self.channel_id._is_order_confirmation_due(self.external_financial_status)

    def _confirm_sale_order_if_due(self):
        """Confirm the quotation when the channel's policy says so (creating its delivery).
        Routing overrides this to choose the warehouse before confirming."""
        self.ensure_one()
        if self.sale_order_id.state in ("draft", "sent") and self._is_confirmation_due():
            self._confirm_sale_order()
            return True
        return False

    def _confirm_sale_orders_if_due(self):
        """Batch counterpart of ``_confirm_sale_order_if_due`` for these new bindings: confirm
        together the orders the channel's policy confirms now. Extend both to hold orders back
        (routing)."""
        due = self.filtered(
            lambda binding: binding.sale_order_id.state in ("draft", "sent")
            and binding._is_confirmation_due()
        )
        if due:
            due._confirm_sale_order()
        return due

    def _confirm_sale_order(self):
        """Confirm the sale orders of these bindings, all at once (the batch import calls it
        on many). Routing extends it to choose each order's warehouse first.

        In the intake (context ``oms_intake_bulk``) the deliveries are created but not
        reserved: reserving is most of the cost of a confirmation, so it runs after, in one
        ``_job_reserve_channel_orders`` job per warehouse for the whole batch, and the
        procurement's configuration lookups are made once for the batch
        (``intake.procurement_intake``)."""
        orders = self.sale_order_id
        if not self._should_defer_reservation():
            orders.action_confirm()
            return
        with procurement_batch(self.env):
            orders.with_context(oms_defer_reservation=True).action_confirm()
        self._enqueue_reservation()

    def _should_defer_reservation(self):
        """True when the confirmation leaves the reservation to ``_job_reserve_channel_orders``
        (in the intake). Return False to reserve at once."""
        return bool(self.env.context.get("oms_intake_bulk"))

    def _enqueue_reservation(self):
        """One reservation job per warehouse for the deliveries of these channel orders."""
        bindings_by_warehouse = {}
        for binding in self:
            warehouse = binding.sale_order_id.warehouse_id
            bindings_by_warehouse.setdefault(warehouse, self.browse())
            bindings_by_warehouse[warehouse] |= binding
        for warehouse, bindings in bindings_by_warehouse.items():
            bindings.with_delay(
                identity_key=identity_exact,
                description=self.env._(
                    "Reserve %(count)s channel orders in %(warehouse)s",
                    count=len(bindings),
                    warehouse=warehouse.name or "-",
                ),
            )._job_reserve_channel_orders()

    def _job_reserve_channel_orders(self):
        """queue_job: reserve the deliveries of these channel orders (confirmed by the intake),
        all in one ``action_assign``. Idempotent: deliveries already reserved, done or
        cancelled are left alone. Routing and allocation extend ``_reserve_channel_orders``."""
        # sudo: the job reserves stock for the intake whoever enqueued it (a user's retry)
        bindings = self.sudo().exists()
        pickings = bindings._get_pickings_to_reserve()
        if not pickings:
            return self.env._("Nothing to reserve.")
        # another reservation (the scheduler, a user) on the same quants: retried, counted
        with job_retried_on_conflict(self.env):
            bindings._reserve_channel_orders(pickings)
        reserved = pickings.filtered(lambda picking: picking.state == "assigned")
        return self.env._(
            "%(reserved)s of %(count)s deliveries reserved.",
            reserved=len(reserved),
            count=len(pickings),
        )

    def _get_pickings_to_reserve(self):
        """The deliveries of these channel orders still waiting for a reservation."""
        return self.sale_order_id.picking_ids.filtered(
            lambda picking: picking.state in ("confirmed", "waiting")
        )

    def _reserve_channel_orders(self, pickings):
        """Reserve ``pickings`` (of these channel orders). Extend to allocate otherwise."""
        for company in pickings.company_id:
            pickings.filtered(lambda p, c=company: p.company_id == c).with_company(
                company
            ).action_assign()

    # ------------------------------------------------------------------ mapping: currency
    # ------------------------------------------------------------------ mapping: customer
    # ------------------------------------------------------------------ mapping: products
    # ------------------------------------------------------------------ mapping: taxes
    # ------------------------------------------------------------------ mapping: lines
