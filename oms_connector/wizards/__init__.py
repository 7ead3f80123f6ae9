from . import oms_channel_reconciliation
