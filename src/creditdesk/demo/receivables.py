"""Invoices and their payments: due after the customer's terms, paid following each customer's
habits (IBM receivables: lateness, disputes), never after a default; some in two instalments,
some without remittance advice."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from creditdesk.demo.draws import ids, logit_solve, to_dates
from creditdesk.demo.orders import Orders


def invoices_and_payments(
    rng: np.random.Generator,
    cal: dict[str, Any],
    customer_ids: np.ndarray,
    quality: np.ndarray,
    terms: np.ndarray,
    default_day: np.ndarray,
    orders: Orders,
    as_of_day: int,
    currency: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoiced orders' invoices, and the payments made by ``as_of``."""
    n = len(customer_ids)
    cust, invoice_day, amount, order_ids, invoiced = (
        orders.customer,
        orders.invoice_day,
        orders.amount,
        orders.order_ids,
        orders.invoiced,
    )

    # Invoices.
    icust, iday, iamount, iorder = cust[invoiced], invoice_day[invoiced], amount[invoiced], order_ids[invoiced]
    k = len(icust)
    due_day = iday + terms[icust]
    disputed = rng.random(k) < cal["disputed_share"]
    invoice_ids = ids("INV", k, 7)
    invoices = pd.DataFrame(
        {
            "invoice_id": invoice_ids,
            "customer_id": customer_ids[icust],
            "invoice_date": to_dates(iday).astype(str),
            "due_date": to_dates(due_day).astype(str),
            "amount": [f"{v:.2f}" for v in iamount],
            "currency": currency,
            "order_id": iorder,
            "disputed": np.where(disputed, "true", "false"),
        }
    )

    # Lateness: a customer effect (the IBM customers differ a lot) plus disputes.
    habit = -1.2 * quality + 0.9 * rng.standard_normal(n)
    dispute_effect = np.log(cal["late_share_disputed"] / (1 - cal["late_share_disputed"])) - np.log(
        cal["late_share_undisputed"] / (1 - cal["late_share_undisputed"])
    )
    # The customer effect dilutes a per-invoice odds ratio, so the dispute effect is scaled up
    # to land on the observed marginal late shares of disputed and undisputed invoices.
    logits = habit[icust] + 1.6 * dispute_effect * disputed
    intercept = logit_solve(cal["late_share"], logits)
    late = rng.random(k) < 1 / (1 + np.exp(-(intercept + logits)))
    lateness = np.exp(0.25 * habit[icust])
    mean_late = cal["mean_days_late_when_late"] * lateness / np.mean(lateness[late])
    shape = (cal["mean_days_late_when_late"] / cal["sd_days_late_when_late"]) ** 2
    days_late = np.maximum(1, np.round(rng.gamma(shape, mean_late / shape)))
    early_fraction = np.clip(rng.normal(cal["on_time_settle_fraction_of_terms"], 0.2, k), 0.05, 1.0)
    on_time_day = iday + np.round(terms[icust] * early_fraction)
    pay_day = np.where(late, due_day + days_late, np.minimum(on_time_day, due_day))
    # A defaulted customer pays nothing from its default date on.
    cdefault = default_day[icust]
    paid = (pay_day <= as_of_day) & (np.isnan(cdefault) | (pay_day < np.nan_to_num(cdefault, nan=np.inf)))

    # Some invoices are paid in two instalments; some payments come without remittance advice.
    split = paid & (rng.random(k) < 0.05) & (pay_day - iday > 10)
    first_part = np.round(iamount * rng.uniform(0.3, 0.7, k), 2)
    first_day = iday + np.round((pay_day - iday) * 0.5)
    p_rows = []
    whole = paid & ~split
    p_rows.append(
        (invoice_ids[whole], np.char.add("P", invoice_ids[whole]), icust[whole], pay_day[whole], iamount[whole])
    )
    p_rows.append(
        (
            invoice_ids[split],
            np.char.add(np.char.add("P", invoice_ids[split]), "-1"),
            icust[split],
            first_day[split],
            first_part[split],
        )
    )
    p_rows.append(
        (
            invoice_ids[split],
            np.char.add(np.char.add("P", invoice_ids[split]), "-2"),
            icust[split],
            pay_day[split],
            np.round(iamount[split] - first_part[split], 2),
        )
    )
    pay_inv = np.concatenate([r[0] for r in p_rows])
    pay_ids = np.concatenate([r[1] for r in p_rows])
    pay_cust = np.concatenate([r[2] for r in p_rows])
    pay_date = np.concatenate([r[3] for r in p_rows]).astype(int)
    pay_amount = np.concatenate([r[4] for r in p_rows])
    order = np.lexsort((pay_ids, pay_date))
    no_advice = rng.random(len(order)) < 0.03
    payments = pd.DataFrame(
        {
            "payment_id": pay_ids[order],
            "customer_id": customer_ids[pay_cust[order]],
            "payment_date": to_dates(pay_date[order]).astype(str),
            "amount": [f"{v:.2f}" for v in pay_amount[order]],
            "currency": currency,
            "invoice_id": np.where(no_advice, np.array(None, dtype=object), pay_inv[order]),
        }
    )
    return invoices, payments
