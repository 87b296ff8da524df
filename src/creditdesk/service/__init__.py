"""Use cases: handlers over a unit of work."""
