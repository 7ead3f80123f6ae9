# The channel, its events and its orders' bindings are shared by every capability; each
# capability lives in its own sub-package and extends them there.
from . import oms_channel
from . import oms_channel_event
from . import oms_channel_order
from . import sale_order

from . import intake
from . import accounting
from . import fulfillment
from . import marketplace
from . import queue_job
