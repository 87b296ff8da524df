"""The bulk way of importing a large, clean file: parsed and checked set-wise, written in bulk.

It takes only what the row-by-row way (pipeline.py) certainly accepts and reads the same way;
at anything else (a problem, or a value or layout it does not handle) it raises NotEligible,
its transaction rolls back, and the row-by-row way imports the file, with its problems exactly
as before. So a file with a problem is never booked here, and its report never comes from here.
"""

from __future__ import annotations


class NotEligible(Exception):
    """The file is not one the bulk way takes (or it has a problem): the row-by-row way imports it."""
