# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    oms_return_ids = fields.One2many("oms.return", "channel_id", string="Returns")
    # a marketplace publishing its returns as a report (Amazon): the report the pull waits
    # for, and the end of the period the last report covered (the next one starts there)
    oms_returns_report_id = fields.Char(
        string="Pending Returns Report",
        copy=False,
        readonly=True,
        help="The marketplace's returns report requested by the last pull and not read yet.",
    )
    oms_returns_pulled_until = fields.Datetime(
        string="Returns Pulled Until",
        copy=False,
        readonly=True,
        help="End of the period of the last returns report read: the next one starts there.",
    )
