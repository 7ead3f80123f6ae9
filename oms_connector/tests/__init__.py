from . import test_access
from . import test_sale_order_channel
from . import test_webhook
from . import test_webhook_security
from . import test_fuzz_routes
from . import test_pull
from . import test_event_processing
from . import test_intake_mapping
from . import test_intake_lifecycle
from . import test_intake_batch
from . import test_accounting_flow
from . import test_accounting_refunds
from . import test_accounting_report
from . import test_accounting_intake
from . import test_accounting_lifecycle

# routing and fulfilment
from . import test_routing
from . import test_routing_concurrency
from . import test_threepl
from . import test_tracking
from . import test_stock_sync
from . import test_stock_sellable
from . import test_routing_flow
from . import test_stock_channel_ids

# marketplaces
from . import test_marketplace_ozon
from . import test_marketplace_wildberries
from . import test_tour_failed_event
from . import test_i18n_ru
from . import test_tour_threepl_held
