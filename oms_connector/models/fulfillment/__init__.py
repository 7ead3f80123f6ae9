# Routing, fulfilment (own warehouses and 3PLs) and the stock levels told to channels.
from . import oms_region_distance
from . import oms_routing_rule
from . import oms_routing_lock
from . import oms_routing_engine
from . import oms_routing_decision
from . import oms_fulfillment_provider
from . import oms_channel_fulfillment
from . import oms_channel_stock_level
from . import oms_channel_order_routing
from . import sale_order_routing
from . import stock_warehouse
from . import stock_picking
from . import stock_move
