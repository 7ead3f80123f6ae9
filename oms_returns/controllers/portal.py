# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, _, http
from odoo.addons.oms_connector.adapters.exceptions import OmsPayloadError
from odoo.addons.oms_connector.adapters.reader import MAX_QUANTITY
from odoo.addons.oms_connector.adapters.sanitize import clean_text, to_number
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import float_compare, float_round

#: largest record id a form may name (PostgreSQL integer)
MAX_RECORD_ID = 2**31 - 1
#: longest note kept from the form
MAX_NOTE = 4000

_logger = logging.getLogger(__name__)


class OmsReturnPortal(CustomerPortal):
    """``/my/returns``: the customer's returns, their detail and slip, and a request form for
    the delivered lines of their own orders."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "return_count" in counters:
            Return = request.env["oms.return"]
            values["return_count"] = (
                Return.search_count(self._prepare_returns_domain())
                if Return.has_access("read")
                else 0
            )
        return values

    def _prepare_returns_domain(self):
        partner = request.env.user.partner_id
        return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]

    @http.route(
        ["/my/returns", "/my/returns/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_returns(self, page=1, **kw):
        Return = request.env["oms.return"]
        domain = self._prepare_returns_domain()
        values = self._prepare_portal_layout_values()
        pager = portal_pager(
            url="/my/returns",
            total=Return.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        returns = Return.search(
            domain, order="date desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        request.session["my_returns_history"] = returns.ids[:100]
        values.update(
            {
                "returns": returns,
                "page_name": "oms_return",
                "pager": pager,
                "default_url": "/my/returns",
            }
        )
        return request.render("oms_returns.portal_my_returns", values)

    @http.route(["/my/returns/<int:return_id>"], type="http", auth="public", website=True)
    def portal_my_return(
        self, return_id, access_token=None, report_type=None, download=False, **kw
    ):
        try:
            return_sudo = self._document_check_access("oms.return", return_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=return_sudo,
                report_type=report_type,
                report_ref="oms_returns.action_report_oms_return_slip",
                download=download,
            )
        values = self._get_page_view_values(
            return_sudo,
            access_token,
            {"oms_return": return_sudo, "page_name": "oms_return"},
            "my_returns_history",
            False,
        )
        return request.render("oms_returns.portal_my_return", values)

    # ------------------------------------------------------------------ request form
    def _get_returnable_lines(self, order_ids=None):
        """{sale line: returnable quantity} of the customer's delivered orders."""
        partner = request.env.user.partner_id.commercial_partner_id
        domain = [("partner_id", "child_of", partner.id), ("state", "=", "sale")]
        if order_ids:
            domain.append(("id", "in", order_ids))
        # the portal rules of sale.order decide which orders the customer sees
        orders = request.env["sale.order"].search(domain)
        # reading delivered quantities needs stock moves, which portal users cannot read
        sale_lines = orders.sudo().order_line.filtered(
            lambda sol: not sol.display_type and sol.product_id.type == "consu"
        )
        # sudo: as above, the delivered and held quantities are read from stock moves and
        # returns the customer cannot read
        Line = request.env["oms.return.line"].sudo()
        delivered = Line._get_delivered_quantities(sale_lines)
        held = Line._get_held_quantities(sale_lines)
        result = {}
        for sale_line in sale_lines:
            left = delivered.get(sale_line, 0.0) - held.get(sale_line, 0.0)
            if float_compare(left, 0, precision_rounding=sale_line.product_uom.rounding) > 0:
                result[sale_line] = left
        return result

    def _render_return_form(self, order_ids=None, error=None, posted=None):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "returnable": self._get_returnable_lines(order_ids),
                # sudo: every customer may choose among the reasons, not readable on the portal
                "reasons": request.env["oms.return.reason"].sudo().search([]),
                "error": error,
                "posted": posted or {},
                "page_name": "oms_return_new",
            }
        )
        return request.render("oms_returns.portal_return_request", values)

    @http.route("/my/returns/new", type="http", auth="user", methods=["GET"], website=True)
    def portal_return_request_form(self, order_id=None, **kw):
        order_ids = [int(order_id)] if self._is_record_id(order_id) else None
        return self._render_return_form(order_ids)

    @staticmethod
    def _is_record_id(value):
        """True for a form value that can name a record (digits within PostgreSQL's integer)."""
        text = str(value or "")
        return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_RECORD_ID

    def _read_return_quantity(self, raw_qty, sale_line):
        """The quantity the customer typed for ``sale_line``, rounded as it is stored; a
        ``UserError`` shown on the form for what is not a quantity (text, ``nan``, ``inf``,
        ``1e308``) or rounds to nothing (``0.0001``). Zero or less: the line is not returned."""
        try:
            qty = to_number(raw_qty, sale_line.product_id.display_name, maximum=MAX_QUANTITY)
        except OmsPayloadError:
            raise UserError(
                _(
                    "%(qty)s is not a quantity of %(product)s you can return.",
                    qty=clean_text(raw_qty, 40),
                    product=sale_line.product_id.display_name,
                )
            ) from None
        if qty <= 0:
            return 0.0
        digits = request.env["oms.return.line"]._fields["quantity"].get_digits(request.env)
        rounded = float_round(qty, precision_digits=digits[1]) if digits else qty
        if rounded <= 0:
            raise UserError(
                _(
                    "%(qty)s of %(product)s is less than the smallest quantity that can be "
                    "returned.",
                    qty=clean_text(raw_qty, 40),
                    product=sale_line.product_id.display_name,
                )
            )
        return rounded

    @http.route("/my/returns/new", type="http", auth="user", methods=["POST"], website=True)
    def portal_return_request_submit(self, **post):
        returnable = self._get_returnable_lines()
        try:
            line_vals = self._prepare_portal_return_line_vals(returnable, post)
            if not line_vals:
                raise UserError(_("Choose at least one product to return."))
            record = self._create_portal_return(returnable, line_vals, post)
        except (UserError, ValidationError) as exc:
            return self._render_return_form(error=exc.args[0], posted=post)
        record.message_post(body=_("Requested by the customer on the portal."))
        return request.redirect(record.get_portal_url())

    def _prepare_portal_return_line_vals(self, returnable, post):
        """The return line commands of the form ``post``ed for the ``returnable`` lines (a
        quantity, a reason and an outcome per line); ``UserError`` on a wrong entry."""
        # every customer may choose among the reasons, which portal users cannot read
        reasons = request.env["oms.return.reason"].sudo().search([])
        line_vals = []
        for sale_line in returnable:
            raw_qty = post.get(f"qty_{sale_line.id}") or "0"
            qty = self._read_return_quantity(raw_qty, sale_line)
            if qty <= 0:
                continue
            reason = reasons.filtered(
                lambda r, sl=sale_line: str(r.id) == post.get(f"reason_{sl.id}")
            )
            if not reason:
                raise UserError(
                    _("Tell us why you return %(product)s.", product=sale_line.product_id.name)
                )
            outcome = post.get(f"outcome_{sale_line.id}") or "refund"
            if outcome not in ("refund", "exchange", "credit"):
                outcome = "refund"
            line_vals.append(
                Command.create(
                    {
                        "sale_line_id": sale_line.id,
                        "quantity": qty,
                        "reason_id": reason.id,
                        "outcome": outcome,
                    }
                )
            )
        return line_vals

    def _create_portal_return(self, returnable, line_vals, post):
        """The return the customer asked for on the portal."""
        first_line = next(iter(returnable))
        with request.env.cr.savepoint():
            # sudo: portal users cannot create back-office records; the lines were taken only
            # from their own delivered orders and the constraints check every quantity
            return (
                request.env["oms.return"]
                .sudo()
                .create(
                    {
                        "partner_id": request.env.user.partner_id.id,
                        "company_id": first_line.company_id.id,
                        "source": "portal",
                        "user_id": first_line.order_id.user_id.id,
                        # PostgreSQL text cannot hold NUL (a form can send %00)
                        "note": clean_text(post.get("note") or "", MAX_NOTE),
                        "line_ids": line_vals,
                    }
                )
            )
