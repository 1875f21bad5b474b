"""The WSGI application (`ketamine-care serve` runs it under gunicorn, one per worker).

Once the application is loaded, with its URLs, views and API schemas (which the first request
would otherwise load), everything in memory lives as long as the worker does: `gc.freeze()`
moves it out of the garbage collector's way, so that a collection during a request scans only
what requests made (in `benchmarks/cpu_per_request.py` the collector's CPU fell by about a
third). A collection first frees what loading left behind, so only live objects are frozen.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketamine_care.config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (loads the URL configuration now, not on a request)
gc.collect()
gc.freeze()
