# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0: intake reservations run in their own queue_job channel ``root.oms.reservation``
(capacity 1 in the config): the job function's channel is kept by ``noupdate`` data, so it is
moved here."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    function = env.ref(
        "oms_connector.queue_job_function_oms_channel_order_reserve", raise_if_not_found=False
    )
    channel = env.ref("oms_connector.queue_job_channel_oms_reservation", raise_if_not_found=False)
    if function and channel:
        function.channel_id = channel
