"""The ASGI entry for uvicorn workers: settings come from the environment, logs are JSON lines."""

from creditdesk.bootstrap import bootstrap
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.observability import configure_logging

services = bootstrap()
configure_logging(services.settings.log_level)
app = create_app(services)
