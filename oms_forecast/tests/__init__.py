from . import test_engine
from . import test_tour_forecast
