# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data only: marketplace samples dated relative to the install."""

import re
from datetime import UTC, datetime

from odoo import models

#: an ISO 8601 time in a JSON payload: "2026-03-10T08:14:21Z", "2026-03-10T08:20:00.5+00:00"
ISO_TIME = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)"')


class OmsChannelEvent(models.Model):
    _inherit = "oms.channel.event"

    def _demo_move_payload_times(self, written_for):
        """Demo data only (``demo/marketplace_demo.xml``): move every ISO 8601 time of these
        events' payloads by the time from ``written_for`` (the UTC moment the samples take as
        "now", ISO 8601, e.g. ``2026-03-10T12:00:00Z``) to the start of the current hour, so
        that creation times and hand-over deadlines follow the install date. A time before
        ``written_for`` stays in the past; the rest of the payload is left as written."""
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        shift = now - datetime.fromisoformat(written_for)

        def move(match):
            moved = datetime.fromisoformat(match[1]) + shift
            return f'"{moved.isoformat()}{match[2] or ""}{match[3]}"'

        for event in self:
            event.payload = ISO_TIME.sub(move, event.payload)
        return True
