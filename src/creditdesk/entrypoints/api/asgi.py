"""The ASGI entry for uvicorn workers: settings come from the environment."""

from creditdesk.entrypoints.api.app import create_app

app = create_app()
