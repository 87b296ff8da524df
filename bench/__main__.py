"""Run every benchmark in turn; each prints one JSON line of figures."""

from bench import import_invoices

import_invoices.main()
