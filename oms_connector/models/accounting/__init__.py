# Accounting sync: the channel's payments, refunds and documents in Odoo's accounting.
from . import oms_payment_mapping
from . import oms_channel_accounting
from . import oms_channel_order_document
from . import oms_channel_transaction
from . import oms_channel_refund
from . import oms_channel_order_accounting
from . import oms_channel_event_accounting
from . import account_move
from . import account_payment
from . import sale_order_accounting
from . import sale_order_line_accounting
from . import stock_picking_accounting
