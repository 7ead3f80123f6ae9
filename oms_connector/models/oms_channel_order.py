# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, api, fields, models, tools
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare, float_round

from ..adapters.exceptions import OmsError, OmsEventIgnored, OmsMappingError

_logger = logging.getLogger(__name__)

#: channel financial statuses that count as paid for the "Confirm when paid" policy
PAID_STATUSES = ("paid", "partially_refunded", "refunded")
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
    currency_id = fields.Many2one(related="sale_order_id.currency_id")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This channel order is already in Odoo.",
        ),
    ]

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
        with self.env.cr.savepoint():
            binding = self._get_binding(channel, normalized.external_id)
            if binding:
                binding._ensure_event_not_stale(normalized)
                binding._update_from_normalized(normalized)
            else:
                binding = self._create_from_normalized(channel, normalized)
            if normalized.cancelled_at:
                binding._cancel_sale_order()
            else:
                binding._confirm_sale_order_if_due(normalized)
            binding._after_order_imported(normalized, event)
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
    def _create_from_normalized(self, channel, normalized):
        """The new sale order and its binding."""
        vals = self._prepare_order_create_vals(channel, normalized)
        self._set_analytic_distribution_defaults(channel, [vals])
        order = self.env["sale.order"].create(vals)
        self._check_order_total(order, normalized, channel)
        return self.create(self._prepare_binding_vals(channel, normalized, order))

    @api.model
    def _prepare_order_create_vals(self, channel, normalized):
        """Values creating the sale order of ``normalized`` with its lines (finds or creates
        its customer and addresses on the way)."""
        lines_vals = self._prepare_lines_vals(channel, normalized)
        partner, invoice, shipping = self._get_order_partners(channel, normalized)
        pricelist = self._get_order_pricelist(channel, normalized)
        order_vals = self._prepare_sale_order_vals(
            channel, normalized, partner, invoice, shipping, pricelist
        )
        order_vals["order_line"] = [Command.create(vals) for vals in lines_vals]
        return order_vals

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
        for _attempt in range(BATCH_ATTEMPTS):
            if not batch:
                break
            try:
                with self.env.cr.savepoint():
                    self._import_new_orders_batch(channel, items, batch, results)
                batch = []
            except OmsBatchOrdersFailed as exc:
                _logger.info("Batch import undone (%s): again without them", exc)
                self._reset_batch_results(batch, results)
                for index, error in exc.errors.items():
                    results[index] = error
                batch = [index for index in batch if index not in exc.errors]
            except Exception as exc:  # the batch is undone: its orders go one by one
                _logger.info("Batch import of %s orders undone (%s): one by one", len(batch), exc)
                self._reset_batch_results(batch, results)
                break
        single = sorted(single + [index for index in batch if results[index] is None])
        for index in single:
            normalized, event = items[index]
            try:
                results[index] = self._import_normalized_order(channel, normalized, event)
            except Exception as exc:  # reported to the order's own event
                results[index] = exc
        return results

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
        vals_list = self._prepare_orders_create_vals(channel, [items[i][0] for i in indexes])
        for index, vals in zip(indexes, vals_list, strict=True):
            if isinstance(vals, Exception):
                results[index] = vals
            else:
                prepared.append((index, vals))
        if not prepared:
            return
        self._set_analytic_distribution_defaults(channel, [vals for _i, vals in prepared])
        orders = self.env["sale.order"].create([vals for _index, vals in prepared])
        errors = {}
        for (index, _vals), order in zip(prepared, orders, strict=True):
            try:
                self._check_order_total(order, items[index][0], channel)
            except MAPPING_ERRORS as exc:
                errors[index] = exc
        if errors:
            raise OmsBatchOrdersFailed(errors)
        bindings = self.create(
            [
                self._prepare_binding_vals(channel, items[index][0], order)
                for (index, _vals), order in zip(prepared, orders, strict=True)
            ]
        )
        normalized_list = [items[index][0] for index, _vals in prepared]
        bindings._confirm_sale_orders_if_due(normalized_list)
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
    def _prepare_orders_create_vals(self, channel, normalized_list):
        """Batch counterpart of ``_prepare_order_create_vals``: for each order of
        ``normalized_list``, the values creating its sale order, or the exception saying why it
        cannot be mapped. Products, currencies, customers and addresses are read for all orders
        in a few queries; customers and addresses are created only for orders that map."""
        results = [None] * len(normalized_list)
        products = self._get_orders_line_products(channel, normalized_list)
        currencies = self._get_orders_currencies(channel, normalized_list)
        mapped = {}
        for index, normalized in enumerate(normalized_list):
            if isinstance(products[index], Exception):
                results[index] = products[index]
                continue
            try:
                lines_vals = self._prepare_lines_vals(
                    channel,
                    normalized,
                    products=products[index],
                    currency=currencies[normalized.currency],
                )
                pricelist = self._get_order_pricelist(channel, normalized)
            except MAPPING_ERRORS as exc:
                results[index] = exc
                continue
            mapped[index] = (lines_vals, pricelist)
        partners = self._get_orders_partners(channel, [normalized_list[i] for i in mapped])
        for (index, (lines_vals, pricelist)), found in zip(mapped.items(), partners, strict=True):
            if isinstance(found, Exception):
                results[index] = found
                continue
            vals = self._prepare_sale_order_vals(channel, normalized_list[index], *found, pricelist)
            vals["order_line"] = [Command.create(line_vals) for line_vals in lines_vals]
            results[index] = vals
        return results

    @api.model
    def _get_orders_currencies(self, channel, normalized_list):
        """{currency code of the orders: currency}, the channel's (else the company's) for an
        unknown or missing code, in one query."""
        default = channel.currency_id or channel.company_id.currency_id
        codes = {normalized.currency for normalized in normalized_list}
        found = {
            currency.name: currency
            for currency in self.env["res.currency"].search([("name", "in", list(codes - {""}))])
        }
        return {code: found.get(code) or default for code in codes}

    @api.model
    def _set_analytic_distribution_defaults(self, channel, orders_vals):
        """Odoo looks for an analytic distribution model on each new line, twice; when the
        company has none, there is nothing to find: the lines get an empty distribution at once.
        """
        models_exist = self.env["account.analytic.distribution.model"].search_count(
            [("company_id", "in", [channel.company_id.id, False])], limit=1
        )
        if models_exist:
            return
        for vals in orders_vals:
            for command in vals["order_line"]:
                command[2].setdefault("analytic_distribution", False)

    @api.model
    def _prepare_sale_order_vals(self, channel, normalized, partner, invoice, shipping, pricelist):
        """Values of the sale order (without its lines). Extend to set more fields."""
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "pricelist_id": pricelist.id,
            "company_id": channel.company_id.id,
            "client_order_ref": normalized.name,
            "origin": f"{channel.name}: {normalized.name}",
            "oms_channel_id": channel.id,
            "oms_external_ref": normalized.name,
            "oms_channel_status": normalized.status,
            "oms_customer_note": normalized.note or False,
            "require_signature": False,
            "require_payment": False,
        }
        if normalized.created_at:
            vals["date_order"] = normalized.created_at
        if channel.warehouse_id:
            vals["warehouse_id"] = channel.warehouse_id.id
        if channel.team_id:
            vals["team_id"] = channel.team_id.id
        return vals

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
        if order is not None:
            vals.update(
                channel_id=channel.id, external_id=normalized.external_id, sale_order_id=order.id
            )
        return vals

    @api.model
    def _check_order_total(self, order, normalized, channel):
        """``OmsMappingError`` unless the order's total is the channel's total (within the
        currency rounding or the channel's tolerance)."""
        currency = order.currency_id
        difference = order.amount_total - normalized.total
        if currency.is_zero(difference) or abs(difference) <= channel.total_tolerance + 1e-9:
            return
        # formatted outside _(): an f-string among its arguments stops the .pot export
        places = currency.decimal_places
        odoo_total = f"{order.amount_total:.{places}f}"
        channel_total = f"{normalized.total:.{places}f}"
        shown_difference = f"{difference:+.{places}f}"
        raise OmsMappingError(
            self.env._(
                "Order %(order)s: the total in Odoo (%(odoo_total)s %(currency)s) differs from "
                "the channel's total (%(channel_total)s %(currency)s) by %(difference)s. Check "
                "the tax mappings of channel %(channel)s (a price-included tax for prices that "
                "include tax), its discount handling, or raise its total tolerance; then retry.",
                order=normalized.name or normalized.external_id,
                odoo_total=odoo_total,
                channel_total=channel_total,
                difference=shown_difference,
                currency=currency.name,
                channel=channel.name,
            )
        )

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
        """True once anything of the order left the warehouse (or was invoiced for good):
        channel edits and cancellations then need a person, not an automatic change."""
        self.ensure_one()
        order = self.sale_order_id
        return any(line.qty_delivered for line in order.order_line) or any(
            move.state == "posted" for move in order.invoice_ids
        )

    def _update_from_normalized(self, normalized):
        """Apply an update of the channel order: addresses and lines while nothing shipped,
        else only the channel's statuses, and the order is flagged for review when its lines
        changed."""
        self.ensure_one()
        order = self.sale_order_id
        channel = self.channel_id
        changed = False
        if order.state != "cancel" and not normalized.cancelled_at:
            lines_vals = self._prepare_lines_vals(channel, normalized)
            if self._is_shipped() or order.locked:
                if self._lines_differ(lines_vals):
                    self._flag_for_review(
                        self.env._("Order changed on the channel after shipping"),
                        self.env._(
                            "Order %(order)s was edited on channel %(channel)s after it shipped "
                            "(or was invoiced, or locked): its lines were not changed in Odoo. "
                            "Review the order and adjust it by hand.",
                            order=normalized.name,
                            channel=channel.name,
                        ),
                    )
            else:
                _partner, invoice, shipping = self._get_order_partners(
                    channel, normalized, partner=order.partner_id
                )
                address_vals = {}
                if order.partner_invoice_id != invoice:
                    address_vals["partner_invoice_id"] = invoice.id
                if order.partner_shipping_id != shipping:
                    address_vals["partner_shipping_id"] = shipping.id
                if address_vals:
                    # nothing shipped yet: the deliveries go to the new address too
                    order.with_context(update_delivery_shipping_partner=True).write(address_vals)
                changed = self._sync_order_lines(lines_vals)
        order.oms_channel_status = normalized.status
        self.write(self._prepare_binding_vals(channel, normalized))
        if changed:
            self._check_order_total(order, normalized, channel)
        return changed

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
        """The values of ``vals`` that differ from ``line``."""
        changes = {}
        currency = line.order_id.currency_id
        for name, value in vals.items():
            if name == "oms_external_line_id":
                continue
            field = line._fields[name]
            current = line[name]
            if name == "tax_id":
                wanted_ids = set(value[0][2])
                if set(current.ids) != wanted_ids:
                    changes[name] = value
            elif field.type == "many2one":
                if current.id != value:
                    changes[name] = value
            elif field.type == "float":
                if name == "price_unit":
                    if currency.compare_amounts(current, value):
                        changes[name] = value
                elif float_compare(current, value, precision_digits=4):
                    changes[name] = value
            elif current != value:
                changes[name] = value
        return changes

    def _sync_order_lines(self, lines_vals):
        """Make the order's lines those of ``lines_vals`` (matched on their channel key).

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
            if line and line.product_id.id != vals["product_id"]:
                if confirmed:
                    commands.append(
                        Command.update(
                            line.id, {"product_uom_qty": 0.0, "oms_external_line_id": False}
                        )
                    )
                else:
                    commands.append(Command.delete(line.id))
                line = None
            if line is None:
                commands.append(Command.create(dict(vals, sequence=sequence)))
                continue
            changes = self._line_changes(line, vals)
            if changes:
                # always with the channel's price and discount: a new quantity would otherwise
                # recompute them from the pricelist
                changes.update(price_unit=vals["price_unit"], discount=vals["discount"])
                commands.append(Command.update(line.id, changes))
        for line in current.values():
            if confirmed:
                if line.product_uom_qty:
                    commands.append(Command.update(line.id, {"product_uom_qty": 0.0}))
            else:
                commands.append(Command.delete(line.id))
        if commands:
            order.write({"order_line": commands})
        return bool(commands)

    def _flag_for_review(self, summary, note):
        """Mark the sale order for a person: a to-do activity for its salesperson and a
        filterable flag. Extend to notify elsewhere."""
        for binding in self:
            order = binding.sale_order_id
            order.oms_needs_review = True
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=order.user_id.id or self.env.uid,
            )

    # ------------------------------------------------------------------ cancel / confirm
    def _cancel_sale_order(self):
        """Cancel the sale order and its deliveries; once shipped (or invoiced), flag it for
        review instead, since goods or money already moved."""
        for binding in self:
            order = binding.sale_order_id
            if order.state == "cancel":
                continue
            if binding._is_shipped():
                order.oms_channel_status = self.env._("Cancelled on channel after shipping")
                binding._flag_for_review(
                    self.env._("Cancelled on the channel after shipping"),
                    self.env._(
                        "Order %(order)s was cancelled on channel %(channel)s after it shipped "
                        "or was invoiced: arrange the return and the refund.",
                        order=binding.external_name,
                        channel=binding.channel_id.name,
                    ),
                )
                continue
            order.with_context(disable_cancel_warning=True)._action_cancel()

    def _is_confirmation_due(self, normalized):
        """True when the channel's confirmation policy confirms the order now."""
        self.ensure_one()
        policy = self.channel_id.confirmation_policy
        if policy == "immediate":
            return True
        if policy == "paid":
            return normalized.financial_status in PAID_STATUSES
        return False

    def _confirm_sale_order_if_due(self, normalized):
        """Confirm the quotation when the channel's policy says so (creating its delivery).
        Routing overrides this to choose the warehouse before confirming."""
        self.ensure_one()
        order = self.sale_order_id
        if order.state in ("draft", "sent") and self._is_confirmation_due(normalized):
            self._confirm_sale_order()
            return True
        return False

    def _confirm_sale_orders_if_due(self, normalized_list):
        """Batch counterpart of ``_confirm_sale_order_if_due`` (``normalized_list`` aligned on
        these new bindings): confirm together the orders the channel's policy confirms now.
        Extend both to hold orders back (routing)."""
        due = self.browse(
            binding.id
            for binding, normalized in zip(self, normalized_list, strict=True)
            if binding.sale_order_id.state in ("draft", "sent")
            and binding._is_confirmation_due(normalized)
        )
        if due:
            due._confirm_sale_order()
        return due

    def _confirm_sale_order(self):
        """Confirm the sale orders of these bindings, all at once (the batch import calls it
        on many). Routing extends it to choose each order's warehouse first.

        In the intake (context ``oms_intake_bulk``) the deliveries are created but not
        reserved: reserving is most of the cost of a confirmation, so it runs after, in one
        ``_job_reserve_channel_orders`` job per warehouse for the whole batch."""
        orders = self.sale_order_id
        if not self._should_defer_reservation():
            orders.action_confirm()
            return
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
    @api.model
    def _get_order_pricelist(self, channel, normalized):
        """The channel's pricelist when its currency is the order's, else any pricelist of the
        company in the order's currency; ``OmsMappingError`` when there is none."""
        code = normalized.currency or channel.currency_id.name
        if channel.pricelist_id and channel.pricelist_id.currency_id.name == code:
            return channel.pricelist_id
        pricelist = self.env["product.pricelist"].search(
            [
                ("currency_id.name", "=", code),
                ("company_id", "in", [channel.company_id.id, False]),
            ],
            limit=1,
        )
        if not pricelist and code == channel.company_id.currency_id.name:
            return pricelist  # no pricelist at all: the order is in the company's currency
        if not pricelist:
            raise OmsMappingError(
                self.env._(
                    "Order %(order)s is in %(currency)s but no pricelist of %(company)s uses "
                    "%(currency)s. Activate the currency and create a pricelist in %(currency)s "
                    "(or set one on channel %(channel)s), then retry.",
                    order=normalized.name or normalized.external_id,
                    currency=code,
                    company=channel.company_id.name,
                    channel=channel.name,
                )
            )
        return pricelist

    # ------------------------------------------------------------------ mapping: customer
    @api.model
    def _get_order_partners(self, channel, normalized, partner=None):
        """(customer, invoice address, shipping address) of the order. Addresses are child
        contacts of the customer (type invoice / delivery), reused when identical."""
        if partner is None:
            partner = self._get_order_customer(channel, normalized)
        invoice = partner
        if normalized.billing_address:
            invoice = self._get_address_partner(
                partner, normalized.billing_address, "invoice", normalized
            )
        if normalized.shipping_address:
            shipping = self._get_address_partner(
                partner, normalized.shipping_address, "delivery", normalized
            )
        elif not channel.require_shipping_address or (partner.street and partner.country_id):
            shipping = partner
        else:
            raise OmsMappingError(
                self._get_missing_shipping_address_message(
                    channel, normalized, partner.display_name
                )
            )
        return partner, invoice, shipping

    @api.model
    def _get_missing_shipping_address_message(self, channel, normalized, customer_name):
        return self.env._(
            "Order %(order)s has no shipping address, and its customer %(customer)s has "
            "no address in Odoo. Add the address on the customer's contact in Odoo (or "
            "untick 'Require Shipping Address' on channel %(channel)s), then retry.",
            order=normalized.name or normalized.external_id,
            customer=customer_name,
            channel=channel.name,
        )

    @api.model
    def _get_orders_partners(self, channel, normalized_list):
        """Batch counterpart of ``_get_order_partners`` for new orders: for each order of
        ``normalized_list``, (customer, invoice address, shipping address) or the
        ``OmsMappingError`` of that order. Customers, their channel bindings and addresses are
        read in a few queries for all orders and created in one ``create`` each; nothing is
        created for an order that fails. Same rules as ``_get_order_customer`` and
        ``_get_address_partner`` (through the same ``_prepare_*_vals`` hooks)."""
        results = [None] * len(normalized_list)
        customers = self._find_orders_customers(channel, normalized_list)
        new_customers, bindings_to_create, plans = {}, {}, {}
        for index, normalized in enumerate(normalized_list):
            customer, key, external_id = customers[index]
            if isinstance(customer, Exception):
                results[index] = customer
                continue
            try:
                if customer is None and key not in new_customers:
                    customer_vals = self._prepare_customer_vals(channel, normalized)
                else:
                    customer_vals = new_customers.get(key)
                for address in (normalized.billing_address, normalized.shipping_address):
                    if address:
                        self._prepare_address_fields(address, normalized)
                if not normalized.shipping_address and channel.require_shipping_address:
                    if customer is not None:
                        has_address = customer.street and customer.country_id
                        name = customer.display_name
                    else:
                        has_address = customer_vals.get("street") and customer_vals.get(
                            "country_id"
                        )
                        name = customer_vals["name"]
                    if not has_address:
                        raise OmsMappingError(
                            self._get_missing_shipping_address_message(channel, normalized, name)
                        )
            except MAPPING_ERRORS as exc:
                results[index] = exc
                continue
            if customer is None:
                new_customers.setdefault(key, customer_vals)
            if external_id:
                bindings_to_create.setdefault(external_id, customer if customer else key)
            plans[index] = customer if customer is not None else key
        created = dict(
            zip(
                new_customers,
                self.env["res.partner"].create(list(new_customers.values())),
                strict=True,
            )
        )
        if bindings_to_create:
            self.env["oms.channel.partner"].create(
                [
                    {
                        "channel_id": channel.id,
                        "external_id": external_id,
                        "partner_id": (
                            created[customer] if isinstance(customer, tuple) else customer
                        ).id,
                    }
                    for external_id, customer in bindings_to_create.items()
                ]
            )
        partners = {
            index: created[plan] if isinstance(plan, tuple) else plan
            for index, plan in plans.items()
        }
        addresses = self._get_orders_addresses(
            [(normalized_list[index], partner) for index, partner in partners.items()]
        )
        for (index, partner), (invoice, shipping) in zip(partners.items(), addresses, strict=True):
            results[index] = (partner, invoice, shipping)
        return results

    @api.model
    def _find_orders_customers(self, channel, normalized_list):
        """For each order: (existing customer or None, key of the customer to create or None,
        channel customer id to bind or ""), found by the rules of ``_get_order_customer`` in two
        queries for all orders. Orders of one new customer share its key."""
        policy = channel.customer_policy
        if policy == "guest":
            try:
                guest = self._get_order_customer(channel, normalized_list[0])
            except (IndexError, *MAPPING_ERRORS) as exc:
                guest = exc
            return [(guest, None, "")] * len(normalized_list)
        external_ids = [
            (n.customer.external_id if n.customer.external_id and not n.customer.is_guest else "")
            for n in normalized_list
        ]
        bound = {}
        if any(external_ids):
            bindings = self.env["oms.channel.partner"].search(
                [("channel_id", "=", channel.id), ("external_id", "in", list(set(external_ids)))]
            )
            bound = {binding.external_id: binding.partner_id for binding in bindings}
        by_email = {}
        emails = {
            (n.customer.email or "").strip().lower()
            for n, external_id in zip(normalized_list, external_ids, strict=True)
            if external_id not in bound
        } - {""}
        if policy == "match" and emails:
            partners = self.env["res.partner"].search(
                expression.AND(
                    [
                        expression.OR([[("email", "=ilike", email)] for email in emails]),
                        [
                            ("parent_id", "=", False),
                            ("company_id", "in", [channel.company_id.id, False]),
                        ],
                    ]
                ),
                order="id",
            )
            for partner in partners:
                by_email.setdefault((partner.email or "").lower(), partner)
        found = []
        for index, (normalized, external_id) in enumerate(
            zip(normalized_list, external_ids, strict=True)
        ):
            email = (normalized.customer.email or "").strip().lower()
            customer = bound.get(external_id) if external_id else None
            if not customer and policy == "match" and email:
                customer = by_email.get(email)
            key = None
            if not customer:
                customer = None
                if external_id:
                    key = ("id", external_id)
                elif policy == "match" and email:
                    key = ("email", email)
                else:
                    key = ("order", index)
            found.append((customer, key, "" if external_id in bound else external_id))
        return found

    @api.model
    def _get_orders_addresses(self, orders_partners):
        """(invoice address, shipping address) of each ``(normalized, customer)``, as
        ``_get_address_partner`` finds them: the customers' contacts are read at once, the
        missing ones created in one ``create``."""
        keys = ("name", "street", "street2", "zip", "city", "country_id", "state_id")
        customers = self.env["res.partner"].concat(*(p for _n, p in orders_partners))
        existing = {}
        for child in customers.child_ids:
            current = (
                child.name,
                child.street,
                child.street2,
                child.zip,
                child.city,
                child.country_id.id,
                child.state_id.id,
            )
            existing.setdefault((child.parent_id.id, child.type, current), child)
        to_create, wanted_by_order = {}, []
        for normalized, partner in orders_partners:
            wanted = []
            for address, address_type in (
                (normalized.billing_address, "invoice"),
                (normalized.shipping_address, "delivery"),
            ):
                if not address:
                    wanted.append(None)
                    continue
                vals = self._prepare_address_vals(partner, address, address_type, normalized)
                key = (partner.id, address_type, tuple(vals.get(k) or False for k in keys))
                if key not in existing:
                    to_create.setdefault(key, vals)
                wanted.append(key)
            wanted_by_order.append(wanted)
        if to_create:
            existing.update(
                zip(
                    to_create, self.env["res.partner"].create(list(to_create.values())), strict=True
                )
            )
        results = []
        for (_normalized, partner), (invoice_key, shipping_key) in zip(
            orders_partners, wanted_by_order, strict=True
        ):
            invoice = existing[invoice_key] if invoice_key else partner
            # without a shipping address the checks above allowed the customer's own
            shipping = existing[shipping_key] if shipping_key else partner
            results.append((invoice, shipping))
        return results

    @api.model
    def _get_order_customer(self, channel, normalized):
        """The Odoo customer per the channel's customer policy: its binding to the channel's
        customer id, then (policy "match") the email address; else a new contact."""
        if channel.customer_policy == "guest":
            if not channel.guest_partner_id:
                raise OmsMappingError(
                    self.env._(
                        "Channel %(channel)s takes orders for one guest customer but has none: "
                        "set the guest customer on the channel's Mapping tab, then retry.",
                        channel=channel.name,
                    )
                )
            return channel.guest_partner_id
        customer = normalized.customer
        Binding = self.env["oms.channel.partner"]
        if customer.external_id and not customer.is_guest:
            binding = Binding.search(
                [("channel_id", "=", channel.id), ("external_id", "=", customer.external_id)],
                limit=1,
            )
            if binding:
                return binding.partner_id
        partner = self.env["res.partner"]
        email = (customer.email or "").strip()
        if channel.customer_policy == "match" and email:
            partner = partner.search(
                [
                    ("email", "=ilike", email),
                    ("parent_id", "=", False),
                    ("company_id", "in", [channel.company_id.id, False]),
                ],
                order="id",
                limit=1,
            )
        if not partner:
            partner = partner.create(self._prepare_customer_vals(channel, normalized))
        if customer.external_id and not customer.is_guest:
            Binding.create(
                {
                    "channel_id": channel.id,
                    "external_id": customer.external_id,
                    "partner_id": partner.id,
                }
            )
        return partner

    @api.model
    def _prepare_customer_vals(self, channel, normalized):
        """Values of a new customer, with the billing (else shipping) address as its own."""
        customer = normalized.customer
        address = normalized.billing_address or normalized.shipping_address
        name = customer.name or (address and address.name) or customer.email
        vals = {
            "name": name or self.env._("Customer %(id)s", id=customer.external_id or "?"),
            "email": customer.email or False,
            "phone": customer.phone or (address and address.phone) or False,
            "customer_rank": 1,
            "lang": channel.company_id.partner_id.lang or self.env.lang,
        }
        if address:
            vals.update(self._prepare_address_fields(address, normalized))
        return vals

    @api.model
    def _get_address_partner(self, partner, address, address_type, normalized):
        """The child contact of ``partner`` with this address and type, created if needed."""
        vals = self._prepare_address_vals(partner, address, address_type, normalized)
        keys = ("name", "street", "street2", "zip", "city", "country_id", "state_id")
        wanted = tuple(vals.get(key) or False for key in keys)
        for child in partner.child_ids:
            if child.type != address_type:
                continue
            current = (
                child.name,
                child.street,
                child.street2,
                child.zip,
                child.city,
                child.country_id.id,
                child.state_id.id,
            )
            if current == wanted:
                return child
        return self.env["res.partner"].create(vals)

    @api.model
    def _prepare_address_vals(self, partner, address, address_type, normalized):
        name = address.name or partner.name
        if address.company and address.company != name:
            name = f"{name} ({address.company})"
        vals = {
            "parent_id": partner.id,
            "type": address_type,
            "name": name,
            "phone": address.phone or False,
            "email": address.email or False,
        }
        vals.update(self._prepare_address_fields(address, normalized))
        return vals

    @api.model
    def _prepare_address_fields(self, address, normalized):
        """street, city, zip, country and state of ``address``; ``OmsMappingError`` for an
        unknown country code (an unknown state is left empty)."""
        country_id = state_id = False
        if address.country_code:
            countries, states = self._get_country_state_ids()
            country_id = countries.get(address.country_code)
            if not country_id:
                raise OmsMappingError(
                    self.env._(
                        "Order %(order)s: the country code %(code)r of the address of "
                        "%(name)s is unknown. Fix the address on the channel, or create the "
                        "country with this code in Odoo, then retry.",
                        order=normalized.name or normalized.external_id,
                        code=address.country_code,
                        name=address.name,
                    )
                )
            if address.state_code:
                code = address.state_code
                state_id = states.get((country_id, code)) or states.get(
                    (country_id, code.rpartition("-")[2]), False
                )
        return {
            "street": address.street or False,
            "street2": address.street2 or False,
            "zip": address.zip or False,
            "city": address.city or False,
            "country_id": country_id,
            "state_id": state_id,
        }

    @api.model
    @tools.ormcache()
    def _get_country_state_ids(self):
        """({country code: id}, {(country id, state code): id}), cached per registry."""
        countries = {
            country["code"].upper(): country["id"]
            for country in self.env["res.country"].sudo().search_read([], ["code"])
            if country["code"]
        }
        states = {}
        for state in self.env["res.country.state"].sudo().search_read([], ["country_id", "code"]):
            code = (state["code"] or "").upper()
            country_id = state["country_id"][0]
            states[(country_id, code)] = state["id"]
            # some countries' states are coded ISO 3166-2 style (DE-BE): shops send "BE"
            _prefix, _sep, short = code.partition("-")
            if short:
                states.setdefault((country_id, short), state["id"])
        return countries, states

    # ------------------------------------------------------------------ mapping: products
    @api.model
    def _get_line_products(self, channel, normalized):
        """{line external id: product} for the order's product lines; ``OmsMappingError``
        naming every line without a product."""
        products = self._get_orders_line_products(channel, [normalized])[0]
        if isinstance(products, Exception):
            raise products
        return products

    @api.model
    def _get_orders_line_products(self, channel, normalized_list):
        """For each order of ``normalized_list``, {line external id: product} of its product
        lines, or the ``OmsMappingError`` naming its lines without a product. One query per
        way of matching, for all the orders together."""
        orders_lines = [
            [line for line in normalized.lines if not line.is_fee] for normalized in normalized_list
        ]
        lines = [line for order_lines in orders_lines for line in order_lines]
        skus = {line.sku for line in lines if line.sku}
        product_ids = {line.external_product_id for line in lines if line.external_product_id}
        mapped_sku, mapped_id = {}, {}
        if skus or product_ids:
            domain = [("channel_id", "=", channel.id)]
            if skus and product_ids:
                domain += [
                    "|",
                    ("external_sku", "in", list(skus)),
                    ("external_product_id", "in", list(product_ids)),
                ]
            elif skus:
                domain.append(("external_sku", "in", list(skus)))
            else:
                domain.append(("external_product_id", "in", list(product_ids)))
            for mapping in self.env["oms.product.mapping"].search(domain):
                if mapping.external_sku:
                    mapped_sku[mapping.external_sku] = mapping.product_id
                if mapping.external_product_id:
                    mapped_id[mapping.external_product_id] = mapping.product_id
        field = {"sku": "default_code", "barcode": "barcode"}.get(channel.product_matching)
        by_code = {}
        if field:
            codes = {
                (line.sku if field == "default_code" else line.barcode)
                for line in lines
                if line.sku not in mapped_sku and line.external_product_id not in mapped_id
            } - {""}
            if codes:
                found = self.env["product.product"].search(
                    [
                        (field, "in", list(codes)),
                        ("sale_ok", "=", True),
                        ("company_id", "in", [channel.company_id.id, False]),
                    ]
                )
                for product in found:
                    by_code.setdefault(product[field], self.env["product.product"])
                    by_code[product[field]] |= product
        results = []
        for normalized, order_lines in zip(normalized_list, orders_lines, strict=True):
            products, missing, ambiguous = {}, [], []
            for line in order_lines:
                product = mapped_sku.get(line.sku) if line.sku else None
                product = product or mapped_id.get(line.external_product_id)
                if not product and field:
                    code = line.sku if field == "default_code" else line.barcode
                    product = by_code.get(code) if code else None
                    if product and len(product) > 1:
                        ambiguous.append((line, product))
                        continue
                if product:
                    products[line.external_id] = product
                else:
                    missing.append(line)
            if missing or ambiguous:
                products = OmsMappingError(
                    self._get_unknown_products_message(channel, normalized, missing, ambiguous)
                )
            results.append(products)
        return results

    @api.model
    def _get_unknown_products_message(self, channel, normalized, missing, ambiguous):
        how = {
            "sku": self.env._("a product with this Internal Reference"),
            "barcode": self.env._("a product with this barcode"),
            "mapping": self.env._("a product"),
        }[channel.product_matching]
        parts = [
            self.env._(
                "Order %(order)s: Odoo has no product for these lines of channel %(channel)s:",
                order=normalized.name or normalized.external_id,
                channel=channel.name,
            )
        ]
        for line in missing:
            parts.append(
                self.env._(
                    "- SKU %(sku)r (barcode %(barcode)r, channel product id %(product_id)r): "
                    "%(name)s",
                    sku=line.sku,
                    barcode=line.barcode,
                    product_id=line.external_product_id,
                    name=line.name,
                )
            )
        for line, products in ambiguous:
            parts.append(
                self.env._(
                    "- SKU %(sku)r matches several products (%(products)s): %(name)s",
                    sku=line.sku or line.barcode,
                    products=", ".join(products.mapped("display_name")),
                    name=line.name,
                )
            )
        parts.append(
            self.env._(
                "Create %(how)s, or add a product mapping on the channel's Mapping tab, then "
                "retry.",
                how=how,
            )
        )
        return "\n".join(parts)

    # ------------------------------------------------------------------ mapping: taxes
    @api.model
    def _get_tax_mappings(self, channel):
        """The channel's tax mappings as ``(title or "", rate, tax, included tax)`` rows, those
        with a title first."""
        rows = [
            ((m.name or "").strip().lower(), m.rate, m.tax_id, m.tax_included_id)
            for m in channel.tax_mapping_ids
        ]
        return sorted(rows, key=lambda row: not row[0])

    @api.model
    def _map_taxes(self, channel, normalized, taxes, mappings, fallback_product, errors):
        """The Odoo taxes of one line's channel ``taxes``. Unmapped taxes are appended to
        ``errors`` (or replaced by the product's taxes when the channel says so)."""
        result = self.env["account.tax"]
        for tax in taxes:
            title = (tax.title or "").strip().lower()
            found = None
            for map_title, rate, excluded, included in mappings:
                if abs(rate - tax.rate) < 0.0001 and (not map_title or map_title == title):
                    found = (included or excluded) if normalized.taxes_included else excluded
                    break
            if found is not None:
                result |= found
            elif not tax.rate:
                continue  # a 0 % tax nobody mapped: the line is simply untaxed
            elif channel.tax_fallback == "product" and fallback_product:
                result |= fallback_product.taxes_id.filtered(
                    lambda t, company=channel.company_id: t.company_id == company
                )
            else:
                errors.add((tax.title, tax.rate))
        return result

    @api.model
    def _get_price_factor(self, normalized, line_taxes, taxes):
        """Factor turning the channel's price into the price Odoo expects with ``taxes``: 1
        when the taxes' "included in price" matches the order's; else the channel's rates."""
        if not taxes:
            return 1.0
        included = set(taxes.mapped("price_include"))
        if included == {normalized.taxes_included}:
            return 1.0
        rate = sum(tax.rate for tax in line_taxes) / 100.0
        if normalized.taxes_included:
            return 1.0 / (1.0 + rate)
        return 1.0 + rate

    # ------------------------------------------------------------------ mapping: lines
    @api.model
    def _prepare_lines_vals(self, channel, normalized, products=None, currency=None):
        """Values of every sale order line: products (with their discounts), fees, shipping
        and discount lines. Each carries ``oms_external_line_id``, the key an update uses to
        find it again. ``products`` ({line external id: product}) and ``currency``, when the
        batch import already found them, spare the queries."""
        if products is None:
            products = self._get_line_products(channel, normalized)
        mappings = self._get_tax_mappings(channel)
        if currency is None:
            currency = self._get_orders_currencies(channel, [normalized])[normalized.currency]
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        errors = set()
        product_lines = [line for line in normalized.lines if not line.is_fee]
        order_discounts = self._spread_order_discount(normalized, product_lines, currency)
        lines_vals, discount_groups = [], {}
        for line in product_lines:
            product = products[line.external_id]
            taxes = self._map_taxes(channel, normalized, line.taxes, mappings, product, errors)
            factor = self._get_price_factor(normalized, line.taxes, taxes)
            price = float_round(line.price_unit * factor, precision_digits=price_digits)
            discount = (line.discount_amount + order_discounts.get(line.external_id, 0.0)) * factor
            vals = self._prepare_line_vals(
                line.name or product.display_name, product, line.quantity, price, taxes
            )
            vals["oms_external_line_id"] = line.external_id
            gross = price * line.quantity
            if discount and not currency.is_zero(discount):
                percent = (
                    float_round(discount / gross * 100.0, precision_digits=2) if gross else 0.0
                )
                exact = not currency.compare_amounts(
                    gross * (1.0 - percent / 100.0), gross - discount
                )
                if channel.discount_handling == "line" and (
                    exact or not channel.discount_product_id
                ):
                    vals["discount"] = min(percent, 100.0)
                else:
                    group = discount_groups.setdefault(tuple(sorted(taxes.ids)), [taxes, 0.0])
                    group[1] += discount
            lines_vals.append(vals)
        for line in normalized.lines:
            if not line.is_fee:
                continue
            product = channel.fee_product_id
            if not product:
                raise OmsMappingError(
                    self._get_missing_product_message(channel, normalized, "fee", line.name)
                )
            taxes = self._map_taxes(channel, normalized, line.taxes, mappings, product, errors)
            factor = self._get_price_factor(normalized, line.taxes, taxes)
            price = (line.price_unit * line.quantity - line.discount_amount) * factor
            vals = self._prepare_line_vals(
                line.name or product.display_name, product, 1.0, price, taxes
            )
            vals["oms_external_line_id"] = line.external_id
            lines_vals.append(vals)
        for index, shipping in enumerate(normalized.shipping_lines):
            product = channel.shipping_product_id
            if not product:
                if not shipping.price:
                    continue
                raise OmsMappingError(
                    self._get_missing_product_message(
                        channel, normalized, "shipping", shipping.title
                    )
                )
            taxes = self._map_taxes(channel, normalized, shipping.taxes, mappings, product, errors)
            factor = self._get_price_factor(normalized, shipping.taxes, taxes)
            price = (shipping.price - shipping.discount_amount) * factor
            vals = self._prepare_line_vals(
                shipping.title or product.display_name, product, 1.0, price, taxes
            )
            vals.update(oms_external_line_id=f"shipping:{index}", is_delivery=True)
            lines_vals.append(vals)
        if errors:
            raise OmsMappingError(self._get_unmapped_taxes_message(channel, normalized, errors))
        for key, (taxes, amount) in discount_groups.items():
            product = channel.discount_product_id
            if not product:
                raise OmsMappingError(
                    self._get_missing_product_message(channel, normalized, "discount", "")
                )
            label = self.env._("Discount")
            if taxes:
                label = f"{label} ({', '.join(taxes.mapped('name'))})"
            vals = self._prepare_line_vals(label, product, 1.0, -amount, taxes)
            vals["oms_external_line_id"] = "discount:" + ",".join(map(str, key))
            lines_vals.append(vals)
        for sequence, vals in enumerate(lines_vals, start=1):
            vals["sequence"] = sequence
        return lines_vals

    @api.model
    def _prepare_line_vals(self, name, product, quantity, price, taxes):
        """Values of one sale order line. Extend to set more fields."""
        return {
            "name": name,
            "product_id": product.id,
            "product_uom_qty": quantity,
            "price_unit": price,
            "discount": 0.0,
            "tax_id": [Command.set(taxes.ids)],
        }

    @api.model
    def _spread_order_discount(self, normalized, lines, currency):
        """{line external id: share} of the order-level discount, in proportion to the lines'
        amounts after their own discounts; the rounding rest goes to the largest line."""
        total = normalized.discount_total
        if not total or not lines:
            return {}
        bases = {
            line.external_id: line.price_unit * line.quantity - line.discount_amount
            for line in lines
        }
        base_total = sum(bases.values())
        if base_total <= 0:
            return {}
        shares = {key: currency.round(total * base / base_total) for key, base in bases.items()}
        rest = currency.round(total - sum(shares.values()))
        if rest:
            largest = max(bases, key=bases.get)
            shares[largest] += rest
        return shares

    @api.model
    def _get_missing_product_message(self, channel, normalized, kind, label):
        what = {
            "fee": self.env._("fee product"),
            "shipping": self.env._("shipping product"),
            "discount": self.env._("discount product"),
        }[kind]
        return self.env._(
            "Order %(order)s has a %(kind)s line (%(label)s) but channel %(channel)s has no "
            "%(what)s: set it on the channel's Mapping tab, then retry.",
            order=normalized.name or normalized.external_id,
            kind=kind,
            label=label or "-",
            channel=channel.name,
            what=what,
        )

    @api.model
    def _get_unmapped_taxes_message(self, channel, normalized, errors):
        taxes = ", ".join(
            f"{title!r} {rate:g} %" if title else f"{rate:g} %" for title, rate in sorted(errors)
        )
        return self.env._(
            "Order %(order)s: channel %(channel)s has no tax mapping for %(taxes)s. Add a tax "
            "mapping for this rate on the channel's Mapping tab (prices %(basis)s tax: pick a "
            "tax %(basis)s in price), then retry.",
            order=normalized.name or normalized.external_id,
            channel=channel.name,
            taxes=taxes,
            basis=self.env._("include") if normalized.taxes_included else self.env._("exclude"),
        )
