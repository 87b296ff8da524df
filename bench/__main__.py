"""Run every benchmark in turn; each prints one JSON line of figures."""

from bench import credit_check, import_invoices

import_invoices.main()
credit_check.main()
