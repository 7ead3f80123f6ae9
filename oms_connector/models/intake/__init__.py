# Intake: a channel's order becomes a sale order (customers, addresses, products, taxes, lines).
from . import oms_channel_intake
from . import oms_channel_partner
from . import oms_product_mapping
from . import oms_tax_mapping
from . import oms_channel_order_mapper
from . import sale_order_line
from . import sale_order_intake
from . import stock_intake
from . import procurement_intake
