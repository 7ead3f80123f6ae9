from . import test_views
from . import test_adapter_extension
from . import test_returns_flow
from . import test_returns_channel
from . import test_returns_accounting
from . import test_returns_portal
from . import test_returns_report
from . import test_portal_refusals
