# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dataclasses import dataclass, field

from odoo import Command, api, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_round

from ...adapters.exceptions import OmsMappingError, error_message
from ..oms_channel_order import MAPPING_ERRORS

#: how many unit prices ``_get_exact_price`` tries after the channel's own
EXACT_PRICE_SEARCH = 20
# the fields an order's address is matched on against the customer's contacts
ADDRESS_KEYS = ("name", "street", "street2", "zip", "city", "country_id", "state_id")


@dataclass
class LinesMapping:
    """What the line mapping of one order shares: the order, its currency, the channel's tax
    mappings and the channel taxes found unmapped so far."""

    channel: models.BaseModel
    normalized: object
    currency: models.BaseModel
    tax_mappings: list
    tax_errors: set = field(default_factory=set)
    errors: list = field(default_factory=list)


class OmsChannelOrderMapper(models.AbstractModel):
    """Maps channel orders (``NormalizedOrder``) onto Odoo: pricelist, customers, addresses,
    products, taxes and sale order lines. Batch-first: every entry point takes a list of
    orders and answers a list aligned on it, each item the result or the exception saying why
    that order cannot be mapped; a single order is a batch of one. Reads are done once for the
    whole batch, creates take a list. Extend the ``_prepare_*_vals`` hooks to set more fields.
    """

    _name = "oms.channel.order.mapper"
    _description = "Channel Order Mapper"

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
        if not orders_vals:
            return
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
    def _check_order_total(self, order, normalized, channel):
        """``OmsMappingError`` unless the order's total is the channel's total and its tax the
        channel's total tax (when the payload gives it), to the cent or within the channel's
        tolerance. The message says where the difference comes from (tax, rounding,
        discounts), see ``_get_amounts_problems``."""
        problems = self._get_amounts_problems(order, normalized, channel)
        if problems:
            raise self._merge_mapping_errors(
                normalized, [OmsMappingError(p["message"], [p]) for p in problems]
            )

    @api.model
    def _amounts_differ(self, currency, odoo_amount, channel_amount, channel):
        difference = odoo_amount - channel_amount
        return not currency.is_zero(difference) and (
            abs(difference) > channel.total_tolerance + 1e-9
        )

    @api.model
    def _get_amounts_problems(self, order, normalized, channel):
        """The problems (see ``OmsMappingError``) of an order whose total or tax differ from
        the channel's: one for the tax, one for the amount before tax."""
        currency = order.currency_id
        tax_known = normalized.total_tax is not None
        channel_tax = normalized.total_tax if tax_known else order.amount_tax
        problems = []
        if tax_known and self._amounts_differ(currency, order.amount_tax, channel_tax, channel):
            problems.append(self._get_tax_total_problem(order, normalized, channel))
        untaxed_difference = (order.amount_total - order.amount_tax) - (
            normalized.total - channel_tax
        )
        if self._amounts_differ(currency, order.amount_total, normalized.total, channel) and (
            not problems or not currency.is_zero(untaxed_difference)
        ):
            problems.append(self._get_total_problem(order, normalized, channel, untaxed_difference))
        return problems

    @api.model
    def _format_amount(self, currency, amount, signed=False):
        return f"{amount:{'+' if signed else ''}.{currency.decimal_places}f} {currency.name}"

    @api.model
    def _get_tax_total_problem(self, order, normalized, channel):
        currency = order.currency_id
        difference = order.amount_tax - normalized.total_tax
        per_line = channel.company_id.tax_calculation_rounding_method == "round_per_line"
        if per_line and abs(difference) <= currency.rounding * len(order.order_line) / 2 + 1e-9:
            cause = self.env._(
                "This is rounding: the channel rounds the tax of the whole order, Odoo "
                "rounds it line by line. Set the Tax Calculation Rounding Method of "
                "%(company)s to 'Round Globally' (Accounting settings), then retry.",
                company=channel.company_id.name,
            )
        else:
            cause = self.env._(
                "Some lines carry another tax in Odoo than on the channel: check the tax "
                "mappings of channel %(channel)s (rate, and a price-included tax when prices "
                "include tax) and the taxes of lines the channel sent without one, then "
                "retry.",
                channel=channel.name,
            )
        message = self.env._(
            "Order %(order)s: Odoo books %(odoo_tax)s of tax, the channel charged "
            "%(channel_tax)s (%(difference)s). %(cause)s",
            order=normalized.name or normalized.external_id,
            odoo_tax=self._format_amount(currency, order.amount_tax),
            channel_tax=self._format_amount(currency, normalized.total_tax),
            difference=self._format_amount(currency, difference, signed=True),
            cause=cause,
        )
        return {"kind": "total", "key": "total:tax", "message": message}

    @api.model
    def _get_total_problem(self, order, normalized, channel, difference):
        currency = order.currency_id
        discounts = normalized.discount_total + sum(
            line.discount_amount for line in normalized.lines + normalized.shipping_lines
        )
        if abs(difference) <= currency.rounding * len(order.order_line) + 1e-9:
            cause = self.env._(
                "This is rounding of the line prices (prices converted between tax "
                "included and excluded, or more decimals than Odoo keeps): map the taxes "
                "so that prices need no conversion, or raise the total tolerance of channel "
                "%(channel)s, then retry.",
                channel=channel.name,
            )
        elif discounts and abs(difference) <= discounts + 1e-9:
            cause = self.env._(
                "The channel's discounts (%(discounts)s) are not all in Odoo's order: check "
                "the discount handling and the discount product of channel %(channel)s, "
                "then retry.",
                discounts=self._format_amount(currency, discounts),
                channel=channel.name,
            )
        else:
            cause = self.env._(
                "Odoo's lines do not add up to the channel's: compare the lines with the "
                "payload (a line the channel charges that Odoo does not show?), then retry.",
            )
        message = self.env._(
            "Order %(order)s: the total in Odoo (%(odoo_total)s) differs from the channel's "
            "total (%(channel_total)s) by %(difference)s before tax. %(cause)s",
            order=normalized.name or normalized.external_id,
            odoo_total=self._format_amount(currency, order.amount_total),
            channel_total=self._format_amount(currency, normalized.total),
            difference=self._format_amount(currency, difference, signed=True),
            cause=cause,
        )
        return {"kind": "total", "key": "total:amount", "message": message}

    @api.model
    def _merge_mapping_errors(self, normalized, errors):
        """One ``OmsMappingError`` reporting every problem of ``errors`` (the mapping errors
        found for one order), each with the action that fixes it."""
        if len(errors) == 1 and isinstance(errors[0], OmsMappingError) and errors[0].problems:
            return errors[0]
        problems = []
        for exc in errors:
            problems += getattr(exc, "problems", None) or [
                {"kind": "other", "key": "", "message": self._get_error_text(exc)}
            ]
        if len(problems) == 1:
            return OmsMappingError(problems[0]["message"], problems)
        header = self.env._(
            "Order %(order)s cannot be taken in yet, %(count)s problems to fix:",
            order=normalized.name or normalized.external_id,
            count=len(problems),
        )
        body = "\n".join(
            f"{number}. {problem['message']}" for number, problem in enumerate(problems, 1)
        )
        return OmsMappingError(f"{header}\n{body}", problems)

    @api.model
    def _get_error_text(self, exc):
        if isinstance(exc, UserError | ValidationError) and exc.args:
            return exc.args[0]
        return error_message(exc, self.env)

    @api.model
    def _prepare_orders_create_vals(self, channel, normalized_list):
        """For each order of ``normalized_list``, the values creating its sale order with its
        lines, or the exception saying why it cannot be mapped: every problem of the order at
        once (products, taxes, currency, customer and addresses). Products, currencies,
        customers and addresses are read for all orders in a few queries; customers and
        addresses are created only for orders that map."""
        results = self._prepare_orders_lines_vals(channel, normalized_list)
        errors = {i: [vals] for i, vals in enumerate(results) if isinstance(vals, Exception)}
        pricelists = {}
        for index, normalized in enumerate(normalized_list):
            try:
                pricelists[index] = self._get_order_pricelist(channel, normalized)
            except MAPPING_ERRORS as exc:
                errors.setdefault(index, []).append(exc)
        partners = self._get_orders_partners(channel, normalized_list, set(errors))
        for index, found in enumerate(partners):
            if isinstance(found, Exception):
                errors.setdefault(index, []).append(found)
            elif index not in errors:
                vals = self._prepare_sale_order_vals(
                    channel, normalized_list[index], *found, pricelists[index]
                )
                vals["order_line"] = [Command.create(line_vals) for line_vals in results[index]]
                results[index] = vals
        for index, order_errors in errors.items():
            results[index] = self._merge_mapping_errors(normalized_list[index], order_errors)
        self._set_analytic_distribution_defaults(
            channel, [vals for vals in results if not isinstance(vals, Exception)]
        )
        return results

    @api.model
    def _prepare_orders_lines_vals(self, channel, normalized_list):
        """For each order of ``normalized_list``, the values of its sale order lines (see
        ``_prepare_lines_vals``), or the exception saying why they cannot be mapped (its
        unknown products and unmapped taxes together)."""
        products = self._get_orders_line_products(channel, normalized_list)
        currencies = self._get_orders_currencies(channel, normalized_list)
        results = []
        for normalized, (order_products, error) in zip(normalized_list, products, strict=True):
            errors = [error] if error else []
            try:
                lines_vals = self._prepare_lines_vals(
                    channel, normalized, order_products, currencies[normalized.currency]
                )
            except MAPPING_ERRORS as exc:
                errors.append(exc)
            results.append(self._merge_mapping_errors(normalized, errors) if errors else lines_vals)
        return results

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
            message = self.env._(
                "Order %(order)s is in %(currency)s but no pricelist of %(company)s uses "
                "%(currency)s. Activate the currency and create a pricelist in %(currency)s "
                "(or set one on channel %(channel)s), then retry.",
                order=normalized.name or normalized.external_id,
                currency=code,
                company=channel.company_id.name,
                channel=channel.name,
            )
            problem = {"kind": "currency", "key": f"currency:{code}", "message": message}
            raise OmsMappingError(message, [problem])
        return pricelist

    @api.model
    def _get_missing_shipping_address_message(self, channel, normalized, customer_name):
        if self._is_anonymous_order(normalized):
            return self.env._(
                "Order %(order)s names no customer and no address (a draft or point-of-sale "
                "order): it is for the guest customer %(customer)s of channel %(channel)s, "
                "who has no address either. Give %(customer)s the address such orders are "
                "delivered from (your shop, for pick-up), or untick 'Require Shipping "
                "Address' on the channel, then retry.",
                order=normalized.name or normalized.external_id,
                customer=customer_name,
                channel=channel.name,
            )
        return self.env._(
            "Order %(order)s has no shipping address (nor a billing address), and its "
            "customer %(customer)s has no address in Odoo. Add the address on the "
            "customer's contact in Odoo (or untick 'Require Shipping Address' on channel "
            "%(channel)s), then retry.",
            order=normalized.name or normalized.external_id,
            customer=customer_name,
            channel=channel.name,
        )

    @api.model
    def _is_anonymous_order(self, normalized):
        """True for an order that names no customer at all: no channel customer id, email,
        name or named address (draft orders, point of sale). It goes to the channel's guest
        customer, never to a new nameless contact."""
        customer = normalized.customer
        addresses = (normalized.billing_address, normalized.shipping_address)
        return not (
            customer.external_id
            or customer.email
            or customer.name
            or any(address and (address.name or address.street) for address in addresses)
        )

    @api.model
    def _get_orders_partners(self, channel, normalized_list, failed=()):
        """For each order of ``normalized_list``, (customer, invoice address, shipping
        address) or the ``OmsMappingError`` of that order; None for the orders of ``failed``
        (indexes of orders failing for other reasons) that map here: nothing is created for
        them. Customers, their channel bindings and addresses are read in a few queries for
        all orders and created in one ``create`` each. The customer is found per the
        channel's customer policy: its binding to the channel's customer id, then (policy
        "match") the email address; else a new contact (``_prepare_customer_vals``)."""
        results = [None] * len(normalized_list)
        customers = self._find_orders_customers(channel, normalized_list)
        new_customers, bindings_to_create, plans = {}, {}, {}
        for index, normalized in enumerate(normalized_list):
            customer, key, external_id = customers[index]
            try:
                customer_vals = self._plan_order_customer(
                    channel, normalized, customer, key, new_customers
                )
            except MAPPING_ERRORS as exc:
                results[index] = exc
                continue
            if index in failed:
                continue
            if customer is None:
                new_customers.setdefault(key, customer_vals)
            if external_id:
                bindings_to_create.setdefault(external_id, customer if customer else key)
            plans[index] = customer if customer is not None else key
        created = self._create_customers(channel, new_customers, bindings_to_create)
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
    def _plan_order_customer(self, channel, normalized, customer, key, new_customers):
        """Check that the order's customer and addresses map (``OmsMappingError`` else, or the
        exception ``_find_orders_customers`` found for ``customer``); return the values of its
        new customer (None when ``customer`` exists)."""
        if isinstance(customer, Exception):
            raise customer
        customer_vals = None
        if customer is None:
            customer_vals = new_customers.get(key) or self._prepare_customer_vals(
                channel, normalized
            )
        for address in (normalized.billing_address, normalized.shipping_address):
            if address:
                self._prepare_address_fields(address, normalized)
        if not (normalized.shipping_address or normalized.billing_address):
            self._plan_delivery_to_customer(channel, normalized, customer, customer_vals)
        return customer_vals

    @api.model
    def _plan_delivery_to_customer(self, channel, normalized, customer, customer_vals):
        """An order without any address ships to its customer's own address in Odoo: never
        silently (the order is flagged for review), and not at all when the customer has none
        and the channel requires a shipping address."""
        if customer is not None:
            has_address = customer.street and customer.country_id
            name = customer.display_name
        else:
            has_address = customer_vals.get("street") and customer_vals.get("country_id")
            name = customer_vals["name"]
        if channel.require_shipping_address:
            self._ensure_shipping_address(channel, normalized, has_address, name)
        if has_address:
            normalized.review_notes.append(
                self.env._(
                    "Order %(order)s came without any address: it ships to the address of "
                    "its customer %(customer)s in Odoo. Check that this is where it goes.",
                    order=normalized.name or normalized.external_id,
                    customer=name,
                )
            )

    @api.model
    def _ensure_shipping_address(self, channel, normalized, has_address, customer_name):
        """``OmsMappingError`` when the order ships to its customer's own address (it has no
        address), the customer has none and the channel requires one."""
        if not has_address:
            message = self._get_missing_shipping_address_message(channel, normalized, customer_name)
            raise OmsMappingError(
                message, [{"kind": "address", "key": "address:missing", "message": message}]
            )

    @api.model
    def _get_customer_company(self, channel):
        """The company of the customers (and their addresses) created for ``channel``: the
        channel's, so that they are matched and read within it, unless the database shares
        its contacts between companies (system parameter ``oms_connector.share_customers``,
        see the README): then they belong to no company."""
        # sudo: system parameters are readable by administrators only
        shared = self.env["ir.config_parameter"].sudo().get_param("oms_connector.share_customers")
        return self.env["res.company"] if shared else channel.company_id

    @api.model
    def _create_customers(self, channel, new_customers, bindings_to_create):
        """Create the customers ``new_customers`` ({key: vals}) and the channel bindings
        ``bindings_to_create`` ({channel customer id: customer or key of a new one}) in one
        ``create`` each; return {key: new customer}.

        A customer created by email (policy "match") is bound to its lower-case address in
        the company too: the unique keys of both bindings make two jobs taking in the same
        new shopper at once meet, and the second is retried (it then finds the first's)."""
        company_id = self._get_customer_company(channel).id or False
        created = dict(
            zip(
                new_customers,
                self.env["res.partner"].create(
                    [{"company_id": company_id, **vals} for vals in new_customers.values()]
                ),
                strict=True,
            )
        )
        bindings_vals = [
            {"channel_id": channel.id, "email": key[1], "partner_id": created[key].id}
            for key in new_customers
            if key[0] == "email"
        ]
        bindings_vals += [
            {
                "channel_id": channel.id,
                "external_id": external_id,
                "partner_id": (created[customer] if isinstance(customer, tuple) else customer).id,
            }
            for external_id, customer in bindings_to_create.items()
        ]
        if bindings_vals:
            self.env["oms.channel.partner"].create(bindings_vals)
        return created

    @api.model
    def _find_orders_customers(self, channel, normalized_list):
        """For each order: (existing customer or None, key of the customer to create or None,
        channel customer id to bind or ""), in two queries for all orders. Orders of one new
        customer share its key; orders naming no customer (``_is_anonymous_order``) and all
        orders of a channel with the guest policy get the channel's guest customer."""
        policy = channel.customer_policy
        anonymous = [
            policy == "guest" or self._is_anonymous_order(normalized)
            for normalized in normalized_list
        ]
        guest = self._get_orders_guest_customer(channel) if any(anonymous) else None
        external_ids = [
            (n.customer.external_id if n.customer.external_id and not n.customer.is_guest else "")
            for n in normalized_list
        ]
        bound = self._get_bound_customers(channel, external_ids)
        emails = [(n.customer.email or "").strip().lower() for n in normalized_list]
        by_email = {}
        if policy == "match":
            unbound = zip(emails, external_ids, strict=True)
            by_email = self._get_customers_by_email(
                channel, {email for email, ext in unbound if ext not in bound}
            )
        found = []
        for index, (email, external_id) in enumerate(zip(emails, external_ids, strict=True)):
            if anonymous[index]:
                found.append((guest, None, ""))
                continue
            customer = (bound.get(external_id) if external_id else None) or by_email.get(email)
            key = None
            if not customer:
                customer = None
                key = self._get_new_customer_key(policy, email, external_id, index)
            found.append((customer, key, "" if external_id in bound else external_id))
        return found

    @api.model
    def _get_orders_guest_customer(self, channel):
        """The channel's guest customer, or the mapping error getting it raised (reported to
        each anonymous order, not to the others)."""
        try:
            return self._get_guest_customer(channel)
        except MAPPING_ERRORS as exc:
            return exc

    @api.model
    def _get_new_customer_key(self, policy, email, external_id, index):
        """The key of the customer to create for the order at ``index``: orders with the same
        key share one new customer. By email first under the "match" policy (orders of one
        shopper under two channel ids share it), else by channel customer id, else the order's
        own."""
        if policy == "match" and email:
            return ("email", email)
        if external_id:
            return ("id", external_id)
        return ("order", index)

    @api.model
    def _get_bound_customers(self, channel, external_ids):
        """{channel customer id: the customer bound to it} for ``external_ids``."""
        if not any(external_ids):
            return {}
        bindings = self.env["oms.channel.partner"].search(
            [("channel_id", "=", channel.id), ("external_id", "in", list(set(external_ids)))]
        )
        return {binding.external_id: binding.partner_id for binding in bindings}

    @api.model
    def _get_customers_by_email(self, channel, emails):
        """{email (lower case): the customer bound to it in the channel's company, else the
        oldest customer of the company (or shared by all) with it}."""
        emails = set(emails) - {""}
        if not emails:
            return {}
        bindings = self.env["oms.channel.partner"].search(
            [("company_id", "=", channel.company_id.id), ("email", "in", list(emails))]
        )
        by_email = {binding.email: binding.partner_id for binding in bindings}
        emails -= set(by_email)
        if not emails:
            return by_email
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
        return by_email

    @api.model
    def _get_orders_addresses(self, orders_partners):
        """(invoice address, shipping address) of each ``(normalized, customer)``: the child
        contact of the customer with this address and type (invoice / delivery), reused when
        identical, else the customer itself when the order has no such address. The
        customers' contacts are read at once, the missing ones created in one ``create``."""
        customers = self.env["res.partner"].concat(*(p for _n, p in orders_partners))
        existing = self._get_existing_addresses(customers)
        to_create = {}
        wanted_by_order = [
            self._get_order_address_keys(normalized, partner, existing, to_create)
            for normalized, partner in orders_partners
        ]
        if to_create:
            self._prefetch_commercial_fields(customers)
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
            # without any address the checks above allowed the customer's own
            shipping = existing[shipping_key] if shipping_key else partner
            results.append((invoice, shipping))
        return results

    @api.model
    def _prefetch_commercial_fields(self, customers):
        """Compute the commercial fields of ``customers`` for all of them at once, before their
        new contacts are created.

        Creating a contact copies its commercial partner's commercial fields
        (``res.partner._commercial_sync_from_company``), one contact at a time: the computed
        ones, the pricelist (``property_product_pricelist``, 2 queries), were computed per
        customer. Computed here for the batch, in the same company, they are the same values
        (``_get_partner_pricelist_multi`` answers per partner) and the contacts' creation
        reads them from the cache: 1.2 of 71 queries per order in ``bench/intake.py``."""
        partners = customers.commercial_partner_id
        Partner = self.env["res.partner"]
        for name in Partner._commercial_fields():
            field = Partner._fields.get(name)
            if field is not None and field.compute and not field.store:
                partners.mapped(name)

    @api.model
    def _get_existing_addresses(self, customers):
        """{(customer id, type, values of ``ADDRESS_KEYS``): contact} of the child contacts of
        ``customers`` (the first one of each key)."""
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
        return existing

    @api.model
    def _get_order_address_keys(self, normalized, partner, existing, to_create):
        """[invoice key, shipping key] of one order of customer ``partner`` (keys as in
        ``_get_existing_addresses``; None for an address the order lacks). Keys not in
        ``existing`` are added to ``to_create`` ({key: res.partner values}) once."""
        wanted = []
        for address, address_type in (
            (normalized.billing_address, "invoice"),
            # without a shipping address, the order ships to its own billing address,
            # never to an address the customer had on another order
            (normalized.shipping_address or normalized.billing_address, "delivery"),
        ):
            if not address:
                wanted.append(None)
                continue
            vals = self._prepare_address_vals(partner, address, address_type, normalized)
            # addresses belong to their customer's company (res.partner does not copy it)
            vals.setdefault("company_id", partner.company_id.id)
            key = (partner.id, address_type, tuple(vals.get(k) or False for k in ADDRESS_KEYS))
            if key not in existing:
                to_create.setdefault(key, vals)
            wanted.append(key)
        return wanted

    @api.model
    def _get_guest_customer(self, channel):
        """The customer of every order of a channel with the "One guest customer" policy, and
        of the orders naming no customer: the channel's guest customer (created when first
        needed)."""
        return channel._get_guest_partner()

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
            # sudo: a registry-wide cache of public reference data, the same for every user
            for country in self.env["res.country"].sudo().search_read([], ["code"])
            if country["code"]
        }
        states = {}
        # sudo: see the countries above
        for state in self.env["res.country.state"].sudo().search_read([], ["country_id", "code"]):
            code = (state["code"] or "").upper()
            country_id = state["country_id"][0]
            states[(country_id, code)] = state["id"]
            # some countries' states are coded ISO 3166-2 style (DE-BE): shops send "BE"
            _prefix, _sep, short = code.partition("-")
            if short:
                states.setdefault((country_id, short), state["id"])
        return countries, states

    @api.model
    def _get_orders_line_products(self, channel, normalized_list):
        """For each order of ``normalized_list``, ({line external id: product} of its product
        lines, the ``OmsMappingError`` naming its lines without a product or None). The
        channel's product mappings win, then the product matching of the channel (SKU or
        barcode); one query per way of matching, for all the orders together. Lines that name
        no product at all (custom items, tips) get the channel's custom line product."""
        orders_lines = [
            [line for line in normalized.lines if not line.is_fee] for normalized in normalized_list
        ]
        lines = [line for order_lines in orders_lines for line in order_lines]
        mapped_sku, mapped_id = self._get_mapped_products(channel, lines)
        unmapped = [
            line
            for line in lines
            if line.sku not in mapped_sku and line.external_product_id not in mapped_id
        ]
        by_code = self._get_products_by_code(channel, unmapped)
        custom = None
        if any(self._is_custom_line(line) for line in lines):
            custom = channel._get_custom_line_product()
        results = []
        for normalized, order_lines in zip(normalized_list, orders_lines, strict=True):
            products, problems = {}, []
            for line in order_lines:
                product = custom if self._is_custom_line(line) else None
                product = product or self._find_line_product(
                    channel, line, mapped_sku, mapped_id, by_code
                )
                if product and len(product) == 1:
                    products[line.external_id] = product
                else:
                    problems.append(self._get_line_product_problem(channel, line, product))
            error = None
            if problems:
                error = self._merge_mapping_errors(
                    normalized, [OmsMappingError(p["message"], [p]) for p in problems]
                )
            results.append((products, error))
        return results

    @api.model
    def _is_custom_line(self, line):
        """True for a line naming no product: no SKU, barcode nor channel product id."""
        return not (line.sku or line.barcode or line.external_product_id)

    @api.model
    def _find_line_product(self, channel, line, mapped_sku, mapped_id, by_code):
        """The product(s) of ``line``: its mapping by SKU, then by channel product id, then
        the products with its code (per the channel's product matching)."""
        product = mapped_sku.get(line.sku) if line.sku else None
        product = product or mapped_id.get(line.external_product_id)
        field = self._get_product_matching_field(channel)
        if not product and field:
            code = line.sku if field == "default_code" else line.barcode
            product = by_code.get(code) if code else None
        return product

    @api.model
    def _get_line_product_problem(self, channel, line, products):
        """The problem (see ``OmsMappingError``) of a line without a product, or with several
        (``products``)."""
        if line.sku:
            key = f"product:sku:{line.sku}"
        else:
            key = f"product:id:{line.external_product_id or line.barcode}"
        what = self.env._(
            "line %(name)r of channel %(channel)s (SKU %(sku)r, barcode %(barcode)r, channel "
            "product id %(product_id)r)",
            channel=channel.name,
            name=line.name,
            sku=line.sku,
            barcode=line.barcode,
            product_id=line.external_product_id,
        )
        if products:
            message = self.env._(
                "The %(what)s matches several products (%(products)s): add a product mapping "
                "to one of them (Fix on the event, or the channel's Mapping tab), then retry.",
                what=what,
                products=", ".join(products.mapped("display_name")),
            )
        else:
            message = self.env._(
                "Odoo has no product for the %(what)s: add a product mapping to a product, or "
                "create the product (Fix on the event does both), then retry.",
                what=what,
            )
        return {
            "kind": "product",
            "key": key,
            "message": message,
            "sku": line.sku,
            "barcode": line.barcode,
            "external_product_id": line.external_product_id,
            "name": line.name,
        }

    @api.model
    def _get_mapped_products(self, channel, lines):
        """({channel SKU: product}, {channel product id: product}) of the channel's product
        mappings for ``lines``, in one query."""
        skus = list({line.sku for line in lines if line.sku})
        product_ids = list({line.external_product_id for line in lines if line.external_product_id})
        mapped_sku, mapped_id = {}, {}
        if not (skus or product_ids):
            return mapped_sku, mapped_id
        domain = expression.OR(
            ([[("external_sku", "in", skus)]] if skus else [])
            + ([[("external_product_id", "in", product_ids)]] if product_ids else [])
        )
        mappings = self.env["oms.product.mapping"].search(
            expression.AND([[("channel_id", "=", channel.id)], domain])
        )
        for mapping in mappings:
            if mapping.external_sku:
                mapped_sku[mapping.external_sku] = mapping.product_id
            if mapping.external_product_id:
                mapped_id[mapping.external_product_id] = mapping.product_id
        return mapped_sku, mapped_id

    @api.model
    def _get_product_matching_field(self, channel):
        """The product field a line's code is looked up in (False: mapping table only)."""
        return {"sku": "default_code", "barcode": "barcode"}.get(channel.product_matching, False)

    @api.model
    def _get_products_by_code(self, channel, lines):
        """{SKU or barcode of ``lines``: the saleable products with it}, in one query."""
        field = self._get_product_matching_field(channel)
        if not field:
            return {}
        codes = {(line.sku if field == "default_code" else line.barcode) for line in lines} - {
            "",
            None,
        }
        if not codes:
            return {}
        found = self.env["product.product"].search(
            [
                (field, "in", list(codes)),
                ("sale_ok", "=", True),
                ("company_id", "in", [channel.company_id.id, False]),
            ]
        )
        by_code = {}
        for product in found:
            by_code.setdefault(product[field], self.env["product.product"])
            by_code[product[field]] |= product
        return by_code

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

    @api.model
    def _prepare_lines_vals(self, channel, normalized, products, currency):
        """Values of every sale order line of one order: products (with their discounts),
        fees, shipping and discount lines, one ``_prepare_*_line_vals`` per kind. Each
        carries ``oms_external_line_id``, the key an update uses to find it again.
        ``products`` is {line external id: product} (``_get_orders_line_products``); lines
        missing from it are still read for their taxes, so that one error reports them all.
        Raises one ``OmsMappingError`` with every unmapped tax and missing setting."""
        mapping = LinesMapping(channel, normalized, currency, self._get_tax_mappings(channel))
        lines_vals, discount_groups = self._prepare_product_lines_vals(mapping, products)
        lines_vals += self._collect_line_vals(
            mapping,
            [(self._prepare_fee_line_vals, line) for line in normalized.lines if line.is_fee]
            + [
                (self._prepare_shipping_line_vals, index, shipping)
                for index, shipping in enumerate(normalized.shipping_lines)
            ]
            + [
                (self._prepare_discount_line_vals, key, taxes, amount)
                for key, (taxes, amount) in discount_groups.items()
            ],
        )
        if mapping.tax_errors or mapping.errors:
            raise self._merge_mapping_errors(
                normalized, self._get_unmapped_taxes_errors(mapping) + mapping.errors
            )
        for sequence, vals in enumerate(lines_vals, start=1):
            vals["sequence"] = sequence
        return lines_vals

    @api.model
    def _prepare_product_lines_vals(self, mapping, products):
        """(values of the product lines of ``mapping``'s order, {sorted tax ids: [taxes, order
        discount amount]}): the order's discount spread on its product lines, grouped by
        their taxes for the discount lines. ``products`` as in ``_prepare_lines_vals``."""
        normalized = mapping.normalized
        product_lines = [line for line in normalized.lines if not line.is_fee]
        order_discounts = self._spread_order_discount(normalized, product_lines, mapping.currency)
        lines_vals, discount_groups = [], {}
        for line in product_lines:
            vals, taxes, discount = self._prepare_product_line_vals(
                mapping,
                line,
                products.get(line.external_id, self.env["product.product"]),
                order_discounts.get(line.external_id),
            )
            if discount:
                group = discount_groups.setdefault(tuple(sorted(taxes.ids)), [taxes, 0.0])
                group[1] += discount
            lines_vals.append(vals)
        return lines_vals, discount_groups

    @api.model
    def _collect_line_vals(self, mapping, calls):
        """The values of ``calls`` (``(method, *args)``, each a ``_prepare_*_line_vals``); the
        mapping errors they raise go to ``mapping.errors``, so that all are reported."""
        result = []
        for method, *args in calls:
            try:
                vals = method(mapping, *args)
            except OmsMappingError as exc:
                mapping.errors.append(exc)
                continue
            if vals:
                result.append(vals)
        return result

    @api.model
    def _get_line_taxes(self, mapping, channel_taxes, product):
        """(Odoo taxes, price factor) of one line's channel taxes (see ``_map_taxes`` and
        ``_get_price_factor``)."""
        taxes = self._map_taxes(
            mapping.channel,
            mapping.normalized,
            channel_taxes,
            mapping.tax_mappings,
            product,
            mapping.tax_errors,
        )
        return taxes, self._get_price_factor(mapping.normalized, channel_taxes, taxes)

    @api.model
    def _get_exact_price(self, currency, quantity, price, amount, search=True):
        """(unit price, discount %) such that Odoo's line amount, ``price * quantity *
        (1 - discount / 100)`` rounded to ``currency``, is exactly ``amount``; None when none
        is found.

        Why a discount: the unit price is stored with the *Product Price* precision (global,
        2 decimals by default), so a channel line of 3 for 10.00 (3.333...) or a 3-decimal
        currency's price cannot be kept as it is, and rounding it makes the order, and then
        its invoice, a cent off. Odoo's invoice copies the unit price and the discount of the
        sale line and computes its amount the same way, so the invoice matches the channel to
        the cent; the line keeps its quantity and its channel key (deliveries, refunds and
        updates find it), which splitting it would lose. The channel's ``price`` (rounded) is
        tried first, then, when ``search`` is set, the prices next to it, then the prices from
        ``amount / quantity`` rounded up; each with the discount expressing ``amount``.

        The raw amount rounds to ``amount``; the search stops at a price keeping it within
        ``_get_exact_price_error`` (half a cent when the company rounds tax per line, a
        hundredth of a cent when it rounds globally: the raw amounts are added up), else takes
        the closest."""
        if not quantity:
            return float_round(price, precision_digits=self._get_price_digits()), 0.0
        sign = -1.0 if amount < 0 else 1.0
        amount, price = abs(amount), abs(price)
        price_digits = self._get_price_digits()
        candidates = self._get_exact_price_candidates(quantity, price, amount, price_digits, search)
        best = None
        for candidate in candidates:
            discount, error = self._get_exact_discount(currency, quantity, candidate, amount)
            if discount is None or (best and best[0] <= error):
                continue
            best = (error, sign * float_round(candidate, precision_digits=price_digits), discount)
            if error <= self._get_exact_price_error(currency):
                break
        return best[1:] if best else None

    @api.model
    def _get_exact_price_candidates(self, quantity, price, amount, price_digits, search):
        """The unit prices ``_get_exact_price`` tries, in order (``price`` and ``amount``
        positive): ``price`` rounded to ``price_digits``, then with ``search`` the prices next
        to it, then those from ``amount / quantity`` rounded up."""
        first = float_round(price, precision_digits=price_digits)
        candidates = [first]
        if search:
            step = 10.0**-price_digits
            start = float_round(
                amount / quantity, precision_digits=price_digits, rounding_method="UP"
            )
            for index in range(1, EXACT_PRICE_SEARCH):
                candidates += [first - index * step, first + index * step]
            candidates += [start + index * step for index in range(EXACT_PRICE_SEARCH)]
        return candidates

    @api.model
    def _get_exact_discount(self, currency, quantity, price, amount):
        """(discount %, error): the discount % (with the *Discount* precision) making
        ``price * quantity`` the line amount ``amount`` (see ``_get_exact_price``) and how far
        the raw amount is from ``amount``; (None, None) when none does."""
        gross = price * quantity
        if gross <= 0:
            return (0.0, 0.0) if currency.is_zero(amount) else (None, None)
        digits = self.env["decimal.precision"].precision_get("Discount")
        discount = float_round((1.0 - amount / gross) * 100.0, precision_digits=digits)
        if discount < 0 or discount > 100:
            return None, None
        raw = gross * (1.0 - discount / 100.0)
        if currency.compare_amounts(raw, amount):
            return None, None
        return discount, abs(raw - amount)

    @api.model
    def _get_exact_price_error(self, currency):
        """Largest difference between a line's raw amount and the channel's: half a cent
        when tax is rounded per line, a hundredth of a cent when it is rounded globally."""
        if self.env.company.tax_calculation_rounding_method == "round_globally":
            return currency.rounding / 100.0
        return currency.rounding / 2.0

    @api.model
    def _get_price_digits(self):
        return self.env["decimal.precision"].precision_get("Product Price")

    @api.model
    def _prepare_product_line_vals(self, mapping, line, product, order_discount=None):
        """(values, taxes, discount left for a discount line) of a product line. Its amount is
        the channel's to the cent (``_get_exact_price``); its own discount and its share
        ``order_discount`` of the order's become a discount % when the channel says so (with
        the unit price next to the channel's that makes it exact); else a discount line of
        its taxes."""
        channel, currency = mapping.channel, mapping.currency
        taxes, factor = self._get_line_taxes(mapping, line.taxes, product)
        price = line.price_unit * factor
        gross = currency.round(line.price_unit * line.quantity * factor)
        discount = (line.discount_amount + (order_discount or 0.0)) * factor
        exact = None
        if discount and not currency.is_zero(discount) and channel.discount_handling == "line":
            # a discount line would carry its own rounded tax: a cent off the channel's
            exact = self._get_exact_price(
                currency, line.quantity, price, currency.round(gross - discount)
            )
        if exact:
            discount = 0.0
        else:
            exact = self._get_exact_price(currency, line.quantity, price, gross)
            exact = exact or (float_round(price, precision_digits=self._get_price_digits()), 0.0)
        vals = self._prepare_line_vals(
            line.name or product.display_name, product, line.quantity, exact[0], taxes
        )
        vals.update(discount=exact[1], oms_external_line_id=line.external_id)
        if not discount or currency.is_zero(discount):
            return vals, taxes, 0.0
        return vals, taxes, discount

    @api.model
    def _prepare_single_line_vals(self, mapping, name, product, amount, taxes):
        """Values of a line of quantity 1 amounting to ``amount`` exactly (fee, shipping,
        discount lines; see ``_get_exact_price``)."""
        currency = mapping.currency
        exact = self._get_exact_price(currency, 1.0, amount, currency.round(amount))
        exact = exact or (amount, 0.0)
        vals = self._prepare_line_vals(name, product, 1.0, exact[0], taxes)
        vals["discount"] = exact[1]
        return vals

    @api.model
    def _prepare_fee_line_vals(self, mapping, line):
        """Values of a fee line (gift wrapping, payment surcharge...), with the fee product."""
        product = mapping.channel.fee_product_id
        if not product:
            raise self._get_missing_product_error(mapping, "fee", line.name)
        taxes, factor = self._get_line_taxes(mapping, line.taxes, product)
        price = (line.price_unit * line.quantity - line.discount_amount) * factor
        vals = self._prepare_single_line_vals(
            mapping, line.name or product.display_name, product, price, taxes
        )
        vals["oms_external_line_id"] = line.external_id
        return vals

    @api.model
    def _prepare_shipping_line_vals(self, mapping, index, shipping):
        """Values of the order's ``index``-th shipping line, with the shipping product; None
        for a free shipping line when the channel has no shipping product."""
        product = mapping.channel.shipping_product_id
        if not product:
            if not shipping.price:
                return None
            raise self._get_missing_product_error(mapping, "shipping", shipping.title)
        taxes, factor = self._get_line_taxes(mapping, shipping.taxes, product)
        price = (shipping.price - shipping.discount_amount) * factor
        vals = self._prepare_single_line_vals(
            mapping, shipping.title or product.display_name, product, price, taxes
        )
        vals.update(oms_external_line_id=f"shipping:{index}", is_delivery=True)
        return vals

    @api.model
    def _prepare_discount_line_vals(self, mapping, key, taxes, amount):
        """Values of the discount line of the product lines with ``taxes`` (``key``: their
        ids), with the channel's discount product."""
        product = mapping.channel.discount_product_id
        if not product:
            raise self._get_missing_product_error(mapping, "discount", "")
        label = self.env._("Discount")
        if taxes:
            label = f"{label} ({', '.join(taxes.mapped('name'))})"
        vals = self._prepare_single_line_vals(mapping, label, product, -amount, taxes)
        vals["oms_external_line_id"] = "discount:" + ",".join(map(str, key))
        return vals

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
    def _get_missing_product_error(self, mapping, kind, label):
        what = {
            "fee": self.env._("fee product"),
            "shipping": self.env._("shipping product"),
            "discount": self.env._("discount product"),
        }[kind]
        message = self.env._(
            "Order %(order)s has a %(kind)s line (%(label)s) but channel %(channel)s has no "
            "%(what)s: set it on the channel's Mapping tab, then retry.",
            order=mapping.normalized.name or mapping.normalized.external_id,
            kind=kind,
            label=label or "-",
            channel=mapping.channel.name,
            what=what,
        )
        return OmsMappingError(
            message, [{"kind": "setup", "key": f"setup:{kind}_product", "message": message}]
        )

    @api.model
    def _get_unmapped_taxes_errors(self, mapping):
        """One ``OmsMappingError`` per channel tax of the order no tax mapping covers."""
        included = mapping.normalized.taxes_included
        errors = []
        for title, rate in sorted(mapping.tax_errors):
            # formatted outside _(): an f-string among its arguments stops the .pot export
            tax_label = f"{title!r} {rate:g} %" if title else f"{rate:g} %"
            rate_label = f"{rate:g}"
            message = self.env._(
                "Channel %(channel)s charges the tax %(tax)s on prices that %(basis)s tax, "
                "and has no tax mapping for it. Add a tax mapping to an Odoo tax of "
                "%(rate)s %% %(kind)s (Fix on the event, or the channel's Mapping tab), then "
                "retry.",
                channel=mapping.channel.name,
                tax=tax_label,
                rate=rate_label,
                basis=self.env._("include") if included else self.env._("exclude"),
                kind=self.env._("included in the price")
                if included
                else self.env._("excluded from the price"),
            )
            problem = {
                "kind": "tax",
                "key": f"tax:{rate:g}:{(title or '').strip().lower()}:{int(included)}",
                "message": message,
                "title": title or "",
                "rate": rate,
                "included": included,
            }
            errors.append(OmsMappingError(message, [problem]))
        return errors
