"""Adapters: database, importers, clock and ids."""
