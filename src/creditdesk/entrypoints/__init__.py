"""Entrypoints: HTTP API, CLI and web app."""
