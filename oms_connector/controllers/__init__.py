# intake
from . import main

# routing and fulfilment
from . import threepl

# marketplaces
from . import marketplace
from . import marketplace_yandex

# jobs: a sign of life while a job runs, for the recovery of jobs of killed workers
from . import queue_job
