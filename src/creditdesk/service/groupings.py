"""The ways the receivables reports group customers (light: the pages check a choice without pandas)."""

GROUPINGS = ("customer", "segment", "grade")
