from . import oms_channel
from . import oms_marketplace_warehouse
from . import oms_marketplace_budget
from . import oms_channel_event
from . import oms_channel_order
from . import sale_order
from . import stock_picking
from . import oms_channel_yandex
