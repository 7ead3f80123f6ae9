from . import test_engine
from . import test_storage
from . import test_forecast_flow
from . import test_forecast_access_reports
from . import test_forecast_cover
from . import test_tour_forecast
