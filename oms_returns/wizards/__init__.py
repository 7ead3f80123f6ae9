from . import oms_return_create_wizard
from . import oms_return_reject_wizard
from . import oms_return_inspect_wizard
from . import oms_channel_reconciliation
