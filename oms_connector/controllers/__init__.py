# intake
from . import main

# routing and fulfilment
from . import threepl

# marketplaces
from . import marketplace
from . import marketplace_yandex
