"""The demo portfolio: a realistic synthetic B2B credit book, consistent across all its tables.

:func:`make_portfolio` is the entry point; each table (or concern) has a module of its own:
``customers`` (customers, groups and the hidden truth that drives everything), ``orders``,
``receivables`` (invoices and payments), ``financials``, ``bureau``, ``support`` (insurance and
guarantees) and ``calibration`` (the real-data figures the draws follow). It uses the modelling
library (:mod:`creditdesk.risk`) for its table shapes and knows nothing of the app.
"""

from creditdesk.demo.calibration import truth_summary
from creditdesk.demo.portfolio import Portfolio, make_portfolio, source_tables

__all__ = ["Portfolio", "make_portfolio", "source_tables", "truth_summary"]
