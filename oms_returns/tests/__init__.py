from . import test_views
