from . import oms_channel_reconciliation
from . import oms_event_fix
