"""The demo's selling entities: most customers buy from the one company; one in twenty buys
through two company codes, each order from one of them, so its credit segments show."""

from __future__ import annotations

import pandas as pd

from creditdesk.demo.portfolio import Portfolio

#: (code, name, currency): the demo's two selling entities besides the one company.
DEMO_COMPANY_CODES = (
    ("SH01", "信达工业（上海）有限公司 Xinda Industrial (Shanghai)", "CNY"),
    ("HK01", "信达贸易（香港）有限公司 Xinda Trading (Hong Kong)", "CNY"),
)
EVERY = 20  # one customer in this many sells through the company codes


def tag_company_codes(portfolio: Portfolio) -> list[str]:
    """Give the chosen customers' orders a company code (alternating by order), their invoices
    their order's and their payments their invoice's. Returns the chosen customers' ids."""
    ids = portfolio.customers["customer_id"]
    chosen: list[str] = ids[ids.index % EVERY == 3].tolist()
    orders = portfolio.orders
    picked = orders["customer_id"].isin(chosen)
    numbers = pd.to_numeric(orders["order_id"].str.extract(r"(\d+)$")[0], errors="coerce").fillna(0).astype(int)
    codes = pd.Series([DEMO_COMPANY_CODES[n % 2][0] for n in numbers], index=orders.index)
    orders["company_code"] = codes.where(picked, "")
    by_order = dict(zip(orders["order_id"], orders["company_code"], strict=True))
    invoices = portfolio.invoices
    invoices["company_code"] = invoices["order_id"].map(by_order).fillna("")
    # A payment is named after the invoice it pays (PINV0000001-2 pays INV0000001), named or not.
    by_invoice = dict(zip(invoices["invoice_id"], invoices["company_code"], strict=True))
    payments = portfolio.payments
    paid = payments["payment_id"].str.slice(1).str.split("-").str[0]
    payments["company_code"] = paid.map(by_invoice).fillna("")
    return chosen
