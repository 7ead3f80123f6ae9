from . import oms_channel
from . import oms_channel_event
from . import oms_channel_order
from . import sale_order

# intake
from . import oms_channel_partner
from . import oms_product_mapping
from . import oms_tax_mapping
from . import sale_order_line
from . import sale_order_intake
from . import stock_intake

# accounting
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

# routing and fulfilment
from . import oms_region_distance
from . import oms_routing_rule
from . import oms_routing_lock
from . import oms_routing_engine
from . import oms_routing_decision
from . import oms_fulfillment_provider
from . import oms_channel_fulfillment
from . import oms_channel_order_routing
from . import sale_order_routing
from . import stock_warehouse
from . import stock_picking
from . import stock_move

# marketplaces (Ozon, Wildberries)
from . import marketplace
