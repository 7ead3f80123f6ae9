from . import test_views
from . import test_portal_refusals
from . import test_tour_return
