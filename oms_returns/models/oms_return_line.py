# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from .oms_return import ACTIVE_STATES

OUTCOMES = [("refund", "Refund"), ("exchange", "Exchange"), ("credit", "Store Credit")]


class OmsReturnLine(models.Model):
    """One product of one sale order line coming back, with what the customer wants for it.

    Quantities are in the sale line's unit. ``quantity`` is asked for; the receipt, the
    inspection grades, the credit notes and the exchange orders fill the other quantities.
    """

    _name = "oms.return.line"
    _description = "Return Line"
    _order = "return_id, sequence, id"
    _check_company_auto = True

    return_id = fields.Many2one("oms.return", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="return_id.company_id", store=True, index=True)
    state = fields.Selection(related="return_id.state", store=True, index=True)
    partner_id = fields.Many2one(related="return_id.commercial_partner_id")
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('order_id.partner_id', 'child_of', partner_id), ('state', '=', 'sale'), "
        "('product_id.type', '=', 'consu')]",
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", store=True, index=True)
    product_id = fields.Many2one(related="sale_line_id.product_id", store=True, index=True)
    product_uom = fields.Many2one(related="sale_line_id.product_uom")
    channel_id = fields.Many2one(related="order_id.oms_channel_id", store=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True, default=1.0)
    reason_id = fields.Many2one("oms.return.reason", required=True, index=True)
    outcome = fields.Selection(OUTCOMES, string="Wanted Outcome", required=True, default="refund")
    exchange_product_id = fields.Many2one(
        "product.product",
        help="Product shipped in exchange; empty: the same product again.",
    )
    customer_note = fields.Char()
    price_unit = fields.Float(related="sale_line_id.price_unit", digits="Product Price")
    currency_id = fields.Many2one(related="sale_line_id.currency_id")
    amount_requested = fields.Monetary(compute="_compute_amount_requested")
    move_ids = fields.One2many("stock.move", "oms_return_line_id", string="Stock Moves")
    qty_delivered_total = fields.Float(
        string="Delivered",
        compute="_compute_qty_returnable",
        digits="Product Unit of Measure",
        help="Quantity shipped to the customer for this order line.",
    )
    qty_returnable = fields.Float(
        compute="_compute_qty_returnable",
        digits="Product Unit of Measure",
        help="Delivered minus what other returns already hold.",
    )
    qty_received = fields.Float(
        compute="_compute_qty_received", store=True, digits="Product Unit of Measure"
    )
    qty_grade_a = fields.Float(string="Restocked (A)", digits="Product Unit of Measure")
    qty_grade_b = fields.Float(string="Quarantined (B)", digits="Product Unit of Measure")
    qty_grade_c = fields.Float(string="Scrapped (C)", digits="Product Unit of Measure")
    qty_inspected = fields.Float(compute="_compute_qty_inspected", digits="Product Unit of Measure")
    qty_accepted = fields.Float(
        digits="Product Unit of Measure", help="Inspected quantity the customer is refunded for."
    )
    credit_note_line_ids = fields.One2many("account.move.line", "oms_return_line_id")
    qty_refunded = fields.Float(
        compute="_compute_qty_refunded", store=True, digits="Product Unit of Measure"
    )
    exchange_line_ids = fields.One2many("sale.order.line", "oms_return_line_id")
    qty_exchanged = fields.Float(
        compute="_compute_qty_exchanged", store=True, digits="Product Unit of Measure"
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "A returned quantity must be positive."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("quantity", "sale_line_id.price_unit", "sale_line_id.discount")
    def _compute_amount_requested(self):
        for line in self:
            sale_line = line.sale_line_id
            line.amount_requested = (
                sale_line.price_unit * line.quantity * (1 - (sale_line.discount or 0.0) / 100.0)
            )

    @api.depends("sale_line_id", "quantity")
    def _compute_qty_returnable(self):
        delivered = self._get_delivered_quantities(self.sale_line_id)
        held = self._get_held_quantities(self.sale_line_id, exclude=self)
        for line in self:
            line.qty_delivered_total = delivered.get(line.sale_line_id, 0.0)
            line.qty_returnable = line.qty_delivered_total - held.get(line.sale_line_id, 0.0)

    @api.depends("move_ids.state", "move_ids.quantity", "move_ids.location_id")
    def _compute_qty_received(self):
        for line in self:
            receipts = line.move_ids.filtered(
                lambda m: m.state == "done" and m.location_id.usage == "customer"
            )
            line.qty_received = sum(
                m.product_uom._compute_quantity(m.quantity, line.product_uom) for m in receipts
            )

    @api.depends("qty_grade_a", "qty_grade_b", "qty_grade_c")
    def _compute_qty_inspected(self):
        for line in self:
            line.qty_inspected = line.qty_grade_a + line.qty_grade_b + line.qty_grade_c

    @api.depends(
        "credit_note_line_ids.quantity",
        "credit_note_line_ids.parent_state",
        "credit_note_line_ids.product_id",
    )
    def _compute_qty_refunded(self):
        for line in self:
            lines = line.credit_note_line_ids.filtered(
                lambda aml, product=line.product_id: aml.parent_state != "cancel"
                and aml.product_id == product
            )
            line.qty_refunded = sum(
                aml.product_uom_id._compute_quantity(aml.quantity, line.product_uom)
                for aml in lines
            )

    @api.depends("exchange_line_ids.product_uom_qty", "exchange_line_ids.state")
    def _compute_qty_exchanged(self):
        for line in self:
            line.qty_exchanged = sum(
                line.exchange_line_ids.filtered(lambda sol: sol.state != "cancel").mapped(
                    "product_uom_qty"
                )
            )

    # ------------------------------------------------------------------ lookups
    @api.model
    def _get_delivered_quantities(self, sale_lines):
        """{sale line: quantity with the customer}: what done deliveries took to the customer,
        less what came back from the customer outside OMS returns (Odoo's *Return* button on
        the delivery, a 3PL's return receipt). OMS returns are not deducted here: their lines
        hold those quantities (``_get_held_quantities``)."""
        shipped = self._get_customer_move_quantities(sale_lines, to_customer=True)
        back = self._get_customer_move_quantities(sale_lines, to_customer=False)
        result = defaultdict(float)
        for sale_line, qty in shipped.items():
            result[sale_line] = max(qty - back.get(sale_line, 0.0), 0.0)
        return result

    @api.model
    def _get_customer_move_quantities(self, sale_lines, to_customer):
        """{sale line: quantity} of the done moves of ``sale_lines`` to the customer
        (``to_customer``) or back from the customer outside OMS returns, in the line's unit."""
        result = defaultdict(float)
        if not sale_lines:
            return result
        domain = [
            ("sale_line_id", "in", sale_lines.ids),
            ("state", "=", "done"),
            ("scrapped", "=", False),
        ]
        if to_customer:
            domain.append(("location_dest_id.usage", "=", "customer"))
        else:
            domain += [
                ("location_id.usage", "=", "customer"),
                ("location_dest_id.usage", "!=", "customer"),
                ("oms_return_line_id", "=", False),
            ]
        # sudo: the returnable quantity is checked for users who cannot read stock moves
        # (customer service, portal customers)
        for move in self.env["stock.move"].sudo().search(domain):
            sale_line = move.sale_line_id
            result[sale_line] += move.product_uom._compute_quantity(
                move.quantity, sale_line.product_uom
            )
        return result

    @api.model
    def _get_held_quantities(self, sale_lines, exclude=None):
        """{sale line: quantity} already in active returns, except the lines ``exclude``."""
        result = defaultdict(float)
        if not sale_lines:
            return result
        domain = [("sale_line_id", "in", sale_lines.ids), ("state", "in", ACTIVE_STATES)]
        if exclude:
            domain.append(("id", "not in", [i for i in exclude.ids if isinstance(i, int)]))
        # sudo: other users' returns hold quantities too, whatever this user may read
        for line in self.sudo().search(domain):
            result[line.sale_line_id] += line.quantity
        return result

    def _get_delivery_move(self):
        """The delivery move the goods come back from (the last done one of the order line)."""
        self.ensure_one()
        moves = self.sale_line_id.move_ids.filtered(
            lambda m: m.state == "done"
            and m.location_dest_id.usage == "customer"
            and not m.origin_returned_move_id
        )
        return moves.sorted("date")[-1:]

    # ------------------------------------------------------------------ constraints
    @api.constrains("sale_line_id", "return_id")
    def _check_sale_line_partner(self):
        # a validation: it reads the order whatever the user may see of it
        for line in self.sudo():
            order = line.sale_line_id.order_id
            customer = line.return_id.commercial_partner_id
            if order.partner_id.commercial_partner_id != customer:
                raise ValidationError(
                    _(
                        "%(product)s was never sold to %(customer)s: order %(order)s belongs "
                        "to %(owner)s.",
                        product=line.product_id.display_name,
                        customer=customer.display_name,
                        order=order.name,
                        owner=order.partner_id.commercial_partner_id.display_name,
                    )
                )
            if order.state != "sale":
                raise ValidationError(
                    _("Order %(order)s is not confirmed: nothing to return.", order=order.name)
                )
            if order.company_id != line.return_id.company_id:
                raise ValidationError(
                    _(
                        "Order %(order)s belongs to another company than return %(ref)s.",
                        order=order.name,
                        ref=line.return_id.name,
                    )
                )

    @api.constrains("quantity", "sale_line_id", "return_id")
    def _check_quantity_returnable(self):
        """Never return more than delivered minus what other returns already hold."""
        lines = self.filtered(lambda line: line.state in ACTIVE_STATES)
        if not lines:
            return
        sale_lines = lines.sale_line_id
        delivered = self._get_delivered_quantities(sale_lines)
        held = self._get_held_quantities(sale_lines)
        for sale_line, sl_lines in lines.grouped("sale_line_id").items():
            rounding = sale_line.product_uom.rounding
            if (
                float_compare(held[sale_line], delivered[sale_line], precision_rounding=rounding)
                > 0
            ):
                already = held[sale_line] - sum(sl_lines.mapped("quantity"))
                raise ValidationError(
                    _(
                        "You cannot return %(qty)s %(uom)s of %(product)s from order %(order)s: "
                        "%(delivered)s delivered, %(already)s already returned, so at most "
                        "%(left)s can come back.",
                        qty=sum(sl_lines.mapped("quantity")),
                        uom=sale_line.product_uom.name,
                        product=sale_line.product_id.display_name,
                        order=sale_line.order_id.name,
                        delivered=delivered[sale_line],
                        already=max(already, 0.0),
                        left=max(delivered[sale_line] - already, 0.0),
                    )
                )

    def _ensure_inspectable(self, quantity):
        """Raise if ``quantity`` more would grade more than was received."""
        self.ensure_one()
        rounding = self.product_uom.rounding
        if (
            float_compare(
                self.qty_inspected + quantity, self.qty_received, precision_rounding=rounding
            )
            > 0
        ):
            raise UserError(
                _(
                    "Only %(received)s %(uom)s of %(product)s were received on return %(ref)s "
                    "(%(inspected)s already inspected): you cannot grade %(qty)s more.",
                    received=self.qty_received,
                    uom=self.product_uom.name,
                    product=self.product_id.display_name,
                    ref=self.return_id.name,
                    inspected=self.qty_inspected,
                    qty=quantity,
                )
            )

    # ------------------------------------------------------------------ vals
    def _prepare_receipt_move_vals(self, picking_type, location, location_dest):
        """The receipt move of this line, returning the delivery move: Odoo then deducts it from
        the delivered quantity (unless it is an exchange) and values it at the delivery cost."""
        self.ensure_one()
        origin_move = self._get_delivery_move()
        return {
            "name": self.product_id.display_name,
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": self.product_uom.id,
            "location_id": location.id,
            "location_dest_id": location_dest.id,
            "picking_type_id": picking_type.id,
            "partner_id": self.order_id.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "origin_returned_move_id": origin_move.id,
            "to_refund": self.outcome != "exchange",
            "sale_line_id": self.sale_line_id.id,
            "oms_return_line_id": self.id,
            "group_id": self.order_id.procurement_group_id.id,
            "procure_method": "make_to_stock",
            "origin": self.return_id.name,
        }

    def _get_receipt_location(self):
        receipt = self.move_ids.filtered(
            lambda m: m.state == "done" and m.location_id.usage == "customer"
        )
        return receipt[:1].location_dest_id

    def _prepare_inspection_move_vals(self, quantity, grade):
        """Move of inspected goods from the Returns location: grade ``a`` to the warehouse stock,
        ``b`` to its quarantine location."""
        self.ensure_one()
        location = self._get_receipt_location()
        warehouse = location.warehouse_id
        destination = (
            warehouse.lot_stock_id if grade == "a" else warehouse.oms_quarantine_location_id
        )
        return {
            "name": _(
                "%(ref)s: %(grade)s",
                ref=self.return_id.name,
                grade=_("restock") if grade == "a" else _("quarantine"),
            ),
            "product_id": self.product_id.id,
            "product_uom_qty": quantity,
            "product_uom": self.product_uom.id,
            "location_id": location.id,
            "location_dest_id": destination.id,
            "company_id": self.company_id.id,
            "oms_return_line_id": self.id,
            "origin": self.return_id.name,
            "picking_type_id": warehouse.int_type_id.id,
            "procure_method": "make_to_stock",
        }

    def _prepare_scrap_vals(self, quantity):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "scrap_qty": quantity,
            "product_uom_id": self.product_uom.id,
            "location_id": self._get_receipt_location().id,
            "company_id": self.company_id.id,
            "origin": self.return_id.name,
            "oms_return_line_id": self.id,
        }

    def _prepare_credit_note_line_vals(self, quantity):
        """The credit note line of ``quantity`` of this line, at the order line's price and
        taxes, linked to the order line (its invoiced quantity goes down)."""
        self.ensure_one()
        vals = self.sale_line_id._prepare_invoice_line(quantity=quantity)
        vals.update(
            {
                "name": _(
                    "%(product)s (return %(ref)s: %(reason)s)",
                    product=self.sale_line_id.name,
                    ref=self.return_id.name,
                    reason=self.reason_id.name,
                ),
                "oms_return_line_id": self.id,
            }
        )
        vals.pop("sequence", None)
        return vals

    def _get_exchange_order_line(self, quantity):
        """An in-memory line of the original order selling ``quantity`` of the exchange
        product: its price, discount and taxes as that order (pricelist, fiscal position) sells
        it now."""
        self.ensure_one()
        return self.env["sale.order.line"].new(
            {
                "order_id": self.sale_line_id.order_id.id,
                "product_id": self.exchange_product_id.id,
                "product_uom_qty": quantity,
            }
        )

    def _get_exchange_price_difference(self, quantity):
        """Per unit and tax excluded: what the exchange product costs on the original order
        minus what the customer paid for the returned product, with the line of the exchange
        product (``_get_exchange_order_line``). Positive: the customer pays the difference on
        the exchange order; negative: it is refunded. Zero (and no line) for the same product
        again."""
        self.ensure_one()
        if not self.exchange_product_id or self.exchange_product_id == self.product_id:
            return 0.0, None
        new_line = self._get_exchange_order_line(quantity)
        difference = new_line.price_reduce_taxexcl - self.sale_line_id.price_reduce_taxexcl
        if self.currency_id.is_zero(difference * quantity):
            return 0.0, new_line
        return difference, new_line

    def _prepare_exchange_order_line_vals(self, quantity):
        """The exchange order line: the wanted product, free of charge when it costs what the
        returned one cost or less (the original order paid for it), else at the price
        difference, with the exchange product's taxes."""
        self.ensure_one()
        product = self.exchange_product_id or self.product_id
        vals = {
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": self.product_uom.id if product == self.product_id else product.uom_id.id,
            "price_unit": 0.0,
            "tax_id": [(6, 0, self.sale_line_id.tax_id.ids)],
            "name": _(
                "%(product)s (exchange for return %(ref)s)",
                product=product.display_name,
                ref=self.return_id.name,
            ),
            "oms_return_line_id": self.id,
        }
        difference, new_line = self._get_exchange_price_difference(quantity)
        if difference > 0:
            # the price unit scales the tax-excluded price linearly, whether the taxes are
            # included in the price or not
            vals.update(
                {
                    "price_unit": new_line.price_unit * difference / new_line.price_reduce_taxexcl,
                    "discount": new_line.discount,
                    "tax_id": [(6, 0, new_line.tax_id.ids)],
                    "name": _(
                        "%(product)s (exchange for return %(ref)s: price difference)",
                        product=product.display_name,
                        ref=self.return_id.name,
                    ),
                }
            )
        return vals

    def _prepare_exchange_difference_credit_line_vals(self, quantity, unit_difference):
        """A credit note line refunding ``unit_difference`` (tax excluded) per unit for
        ``quantity`` exchanged for a cheaper product, with the returned line's taxes. Not linked
        to the order line: the goods were not refunded, only the price difference."""
        self.ensure_one()
        sale_line = self.sale_line_id
        vals = sale_line._prepare_invoice_line(quantity=quantity)
        for key in ("sale_line_ids", "sequence"):
            vals.pop(key, None)
        vals.update(
            {
                "price_unit": sale_line.price_unit
                * unit_difference
                / sale_line.price_reduce_taxexcl,
                "name": _(
                    "Price difference: %(product)s exchanged for %(exchange)s (return %(ref)s)",
                    product=sale_line.product_id.display_name,
                    exchange=self.exchange_product_id.display_name,
                    ref=self.return_id.name,
                ),
            }
        )
        return vals
