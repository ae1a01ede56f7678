"""Settings for the test suite: the same settings, with OMNILOOP_ENV=test applied first."""

import os
import re

os.environ["OMNILOOP_ENV"] = "test"

# pytest-xdist workers share one Redis server: give each its own database, so one worker's
# cache.clear() (FLUSHDB) or rate-limit counters never reach another worker's tests.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("REDIS_URL") and _worker.startswith("gw"):
    _db = 12 - int(_worker[2:]) % 8
    os.environ["REDIS_URL"] = re.sub(r"(/\d+)?$", f"/{_db}", os.environ["REDIS_URL"], count=1)

from omniloop.settings import *  # noqa: E402,F403
