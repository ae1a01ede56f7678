"""Settings for the test suite: the same settings, with OMNILOOP_ENV=test applied first."""

import os

os.environ["OMNILOOP_ENV"] = "test"

from omniloop.settings import *  # noqa: F403
