"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Serve nothing with a root key that does not open the vault (every person's page would fail).
from config.health import refuse_to_serve_without_the_root_key  # noqa: E402

refuse_to_serve_without_the_root_key()
