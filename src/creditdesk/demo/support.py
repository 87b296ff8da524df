"""Credit support: a credit insurer's buyer limits for the insured customers, a bank guarantee or
a letter of credit for the secured ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditdesk.demo.draws import to_dates

_SUPPORT_COLUMNS = [
    "support_id",
    "customer_id",
    "kind",
    "provider",
    "amount",
    "currency",
    "valid_from",
    "valid_to",
    "cover_share",
]


def credit_support(
    seed: int, customer_ids: np.ndarray, segment: np.ndarray, monthly_purchases: np.ndarray, start_day: int, ccy: str
) -> pd.DataFrame:
    """Insured customers get a credit insurer's buyer limit (one to three months of purchases, the
    insurer bearing 90 % of a loss); secured ones a bank guarantee or a letter of credit (about a
    month of purchases). Drawn from a stream of their own, so the other tables stay as they were."""
    rng = np.random.default_rng([seed, 0x5EC])
    insured, secured = np.flatnonzero(segment == "insured"), np.flatnonzero(segment == "secured")
    rows: list[tuple[str, int, str, str, float, str | None]] = []
    for index in insured:
        amount = float(np.round(monthly_purchases[index] * rng.uniform(1, 3), -3))
        insurer = "atradius" if rng.random() < 0.5 else "coface"
        rows.append((f"INS-{customer_ids[index]}", int(index), "insurance", insurer, amount, "0.9"))
    for index in secured:
        kind = "guarantee" if rng.random() < 0.6 else "letter_of_credit"
        amount = float(np.round(monthly_purchases[index] * rng.uniform(0.5, 1.5), -3))
        rows.append((f"SEC-{customer_ids[index]}", int(index), kind, "bank", amount, None))
    valid_from = str(to_dates(np.array([start_day]))[0])
    return pd.DataFrame(
        [
            {
                "support_id": support_id,
                "customer_id": customer_ids[index],
                "kind": kind,
                "provider": provider,
                "amount": f"{max(amount, 1000.0):.2f}",
                "currency": ccy,
                "valid_from": valid_from,
                "valid_to": None,
                "cover_share": share,
            }
            for support_id, index, kind, provider, amount, share in rows
        ],
        columns=_SUPPORT_COLUMNS,
    )
