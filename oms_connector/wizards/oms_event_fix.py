# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError

#: problem kinds the guided fix resolves with a mapping
FIXABLE_KINDS = ("product", "tax")


class OmsEventFix(models.TransientModel):
    """Guided fix of a failed event: map each unknown SKU to a product (or create it), map
    each unknown channel tax to an Odoo tax, then retry, in one click, every failed event of
    the channel waiting for one of these mappings."""

    _name = "oms.event.fix"
    _description = "Fix a Failed Channel Event"

    event_id = fields.Many2one("oms.channel.event", required=True, readonly=True)
    channel_id = fields.Many2one(related="event_id.channel_id")
    error = fields.Text(related="event_id.error")
    line_ids = fields.One2many("oms.event.fix.line", "fix_id")
    blocked_event_count = fields.Integer(compute="_compute_blocked_event_count")

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        event = self.env["oms.channel.event"].browse(
            vals.get("event_id") or self.env.context.get("active_id")
        )
        if event:
            vals["event_id"] = event.id
            vals["line_ids"] = [
                Command.create(self._prepare_fix_line_vals(problem))
                for problem in event._get_fixable_problems()
            ]
        return vals

    @api.model
    def _prepare_fix_line_vals(self, problem):
        """Values of the fix line of one problem of the event (see ``OmsMappingError``)."""
        vals = {
            "kind": problem["kind"],
            "key": problem["key"],
            "description": problem["message"],
        }
        if problem["kind"] == "product":
            vals.update(
                external_sku=problem.get("sku") or False,
                external_product_id=problem.get("external_product_id") or False,
                product_name=problem.get("name") or problem.get("sku") or False,
            )
        else:
            vals.update(
                tax_title=problem.get("title") or False,
                tax_rate=problem.get("rate") or 0.0,
                tax_included=bool(problem.get("included")),
            )
        return vals

    @api.depends("line_ids.key", "channel_id")
    def _compute_blocked_event_count(self):
        for wizard in self:
            wizard.blocked_event_count = len(wizard._get_blocked_events())

    def _get_blocked_events(self):
        """The channel's failed events waiting for one of the mappings of this fix."""
        keys = set(self.line_ids.mapped("key"))
        events = self.env["oms.channel.event"].search(
            [("channel_id", "=", self.channel_id.id), ("state", "=", "failed")]
        )
        return events.filtered(lambda event: keys & event._get_problem_keys())

    def action_apply(self):
        """Button: create the mappings (and products), then retry every failed event of the
        channel blocked by one of them."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("Nothing to fix here: retry the event after the fix."))
        self.line_ids._apply()
        return self._get_blocked_events().action_retry()


class OmsEventFixLine(models.TransientModel):
    """One missing mapping of a failed event and how the user resolves it."""

    _name = "oms.event.fix.line"
    _description = "Missing Mapping of a Failed Channel Event"

    fix_id = fields.Many2one("oms.event.fix", required=True, ondelete="cascade")
    kind = fields.Selection([("product", "Product"), ("tax", "Tax")], required=True)
    key = fields.Char(required=True)
    description = fields.Text(readonly=True)
    external_sku = fields.Char(string="Channel SKU")
    external_product_id = fields.Char(string="Channel Product Id")
    product_action = fields.Selection(
        [("map", "Map to a product"), ("create", "Create the product")], default="map"
    )
    product_id = fields.Many2one("product.product", domain=[("sale_ok", "=", True)])
    product_name = fields.Char(help="Name of the product to create.")
    tax_title = fields.Char(string="Channel Tax Title")
    tax_rate = fields.Float(digits=(16, 4))
    tax_included = fields.Boolean(string="Prices Include Tax")
    tax_id = fields.Many2one("account.tax", domain=[("type_tax_use", "=", "sale")])

    def _apply(self):
        """Create the mappings of these lines (batch: one ``create`` per model)."""
        channel = self.fix_id.channel_id
        product_lines = self.filtered(lambda line: line.kind == "product")
        taxes = self - product_lines
        missing = self.filtered(
            lambda line: (line.kind == "tax" and not line.tax_id)
            or (line.kind == "product" and line.product_action == "map" and not line.product_id)
        )
        if missing:
            raise UserError(
                self.env._(
                    "Choose the Odoo product or tax of: %(what)s",
                    what=", ".join(
                        line.external_sku or line.tax_title or line.key for line in missing
                    ),
                )
            )
        to_create = product_lines.filtered(lambda line: line.product_action == "create")
        created = self.env["product.product"].create(
            [line._prepare_product_vals(channel) for line in to_create]
        )
        for line, product in zip(to_create, created, strict=True):
            line.product_id = product
        self.env["oms.product.mapping"].create(
            [line._prepare_product_mapping_vals(channel) for line in product_lines]
        )
        self.env["oms.tax.mapping"].create(
            [line._prepare_tax_mapping_vals(channel) for line in taxes]
        )

    def _prepare_product_vals(self, channel):
        return {
            "name": self.product_name or self.external_sku or self.external_product_id,
            "default_code": self.external_sku or False,
            "type": "consu",
            "sale_ok": True,
            "company_id": channel.company_id.id,
        }

    def _prepare_product_mapping_vals(self, channel):
        return {
            "channel_id": channel.id,
            "external_sku": self.external_sku or False,
            "external_product_id": False if self.external_sku else self.external_product_id,
            "product_id": self.product_id.id,
        }

    def _prepare_tax_mapping_vals(self, channel):
        vals = {"channel_id": channel.id, "name": self.tax_title or False, "rate": self.tax_rate}
        if self.tax_included:
            vals.update(tax_id=self.tax_id.id, tax_included_id=self.tax_id.id)
        else:
            vals["tax_id"] = self.tax_id.id
        return vals
