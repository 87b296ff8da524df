"""Readers for the real public datasets in ``../shared/datasets`` (never copied into the repo).

Each reader returns a :class:`Dataset`: the feature table, the 0/1 target and, where rows
belong to the same customer, the customer of each row (for grouped cross-validation). The
folder comes from ``CREDITDESK_DATASETS`` or defaults to ``../shared/datasets`` beside the
repository. How each file is laid out is in its ``SOURCE.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


def datasets_dir() -> Path:
    configured = os.environ.get("CREDITDESK_DATASETS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "datasets"


@dataclass(frozen=True)
class Dataset:
    name: str
    X: pd.DataFrame
    y: pd.Series
    groups: pd.Series | None = None


def read_arff(path: Path) -> pd.DataFrame:
    """A numeric ARFF file (the Polish data: ``?`` marks a missing value)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data") + 1
    names = [line.split()[1] for line in lines[:start] if line.lower().startswith("@attribute")]
    rows = [line.split(",") for line in lines[start:] if line.strip()]
    frame = pd.DataFrame(rows, columns=names).replace("?", np.nan)
    return frame.astype(float)


def taiwan(root: Path) -> Dataset:
    frame = pd.read_csv(root / "credit_card_default_taiwan" / "default_of_credit_card_clients.csv", skiprows=1)
    target = "default payment next month"
    return Dataset("taiwan", frame.drop(columns=["ID", target]).astype(float), frame[target].astype(int))


def give_me_some_credit(root: Path) -> Dataset:
    frame = pd.read_csv(root / "give_me_some_credit" / "cs-training.csv.gz", index_col=0)
    target = "SeriousDlqin2yrs"
    return Dataset("give_me_some_credit", frame.drop(columns=[target]).astype(float), frame[target].astype(int))


def _polish(root: Path, horizon: str) -> Dataset:
    frame = read_arff(root / "polish_bankruptcy" / f"{horizon}.arff")
    return Dataset(f"polish_{horizon}", frame.drop(columns=["class"]), frame["class"].astype(int))


def polish_1year(root: Path) -> Dataset:
    return _polish(root, "1year")


def polish_5year(root: Path) -> Dataset:
    return _polish(root, "5year")


def slovak_sme(root: Path) -> Dataset:
    parts = []
    for path in sorted((root / "slovak_sme_bankruptcy").glob("*.csv")):
        bankrupt = path.name.startswith("bankrupt_")
        # The two groups of files come in different CSV dialects (see SOURCE.md).
        part = pd.read_csv(path, sep=";", decimal=",", index_col=0) if bankrupt else pd.read_csv(path)
        part["bankrupt"] = int(bankrupt)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    columns = [f"V{i}" for i in range(1, 64)]
    return Dataset("slovak_sme", frame[columns].astype(float), frame["bankrupt"].astype(int))


def ibm_invoices(root: Path) -> Dataset:
    """Will an invoice be paid late? Features from the invoice and from what was known of its
    customer on the invoice date (only invoices settled before that date count as history)."""
    raw = pd.read_csv(
        root / "ibm_accounts_receivable" / "WA_Fn-UseC_-Accounts-Receivable.csv", dtype={"invoiceNumber": str}
    )
    for column in ("InvoiceDate", "DueDate", "SettledDate", "PaperlessDate"):
        raw[column] = pd.to_datetime(raw[column], format="%m/%d/%Y")
    raw = raw.sort_values(["customerID", "InvoiceDate", "invoiceNumber"]).reset_index(drop=True)
    rows = []
    for _, invoices in raw.groupby("customerID", sort=False):
        settled_on = invoices["SettledDate"].to_numpy()
        late_days = invoices["DaysLate"].to_numpy(dtype=float)
        to_settle = invoices["DaysToSettle"].to_numpy(dtype=float)
        disputed = (invoices["Disputed"] == "Yes").to_numpy()
        issued = invoices["InvoiceDate"].to_numpy()
        amounts = invoices["InvoiceAmount"].to_numpy(dtype=float)
        for k in range(len(invoices)):
            today = issued[k]
            known = settled_on < today  # settled before this invoice was issued
            still_open = (issued < today) & ~known
            history_late = late_days[known]
            recent = np.argsort(settled_on[known])[-5:]
            rows.append(
                {
                    "history_n": float(known.sum()),
                    "history_late_share": float((history_late > 0).mean()) if known.any() else np.nan,
                    "history_mean_days_late": float(history_late.mean()) if known.any() else np.nan,
                    "history_max_days_late": float(history_late.max()) if known.any() else np.nan,
                    "history_mean_days_to_settle": float(to_settle[known].mean()) if known.any() else np.nan,
                    "recent_late_share": float((history_late[recent] > 0).mean()) if known.any() else np.nan,
                    "history_disputed_share": float(disputed[known].mean()) if known.any() else np.nan,
                    "open_n": float(still_open.sum()),
                    "open_amount": float(amounts[still_open].sum()),
                }
            )
    history = pd.DataFrame(rows)
    features = pd.DataFrame(
        {
            "amount": raw["InvoiceAmount"].astype(float),
            "disputed": (raw["Disputed"] == "Yes").astype(float),
            "paperless": (raw["PaperlessBill"] == "Electronic").astype(float),
            "days_since_paperless": (raw["InvoiceDate"] - raw["PaperlessDate"]).dt.days.astype(float),
            "country": raw["countryCode"].astype(float),
            "invoice_month": raw["InvoiceDate"].dt.month.astype(float),
            "invoice_weekday": raw["InvoiceDate"].dt.day_of_week.astype(float),
        }
    )
    X = pd.concat([features, history], axis=1)
    return Dataset("ibm_invoices", X, (raw["DaysLate"] > 0).astype(int), groups=raw["customerID"])


def ibm_ledger(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The IBM receivables as a ledger: invoices (invoice_id, customer_id, invoice_date, due_date,
    amount, disputed) and the payment that settled each (invoice_id, applied_on, amount)."""
    raw = pd.read_csv(
        root / "ibm_accounts_receivable" / "WA_Fn-UseC_-Accounts-Receivable.csv", dtype={"invoiceNumber": str}
    )
    for column in ("InvoiceDate", "DueDate", "SettledDate"):
        raw[column] = pd.to_datetime(raw[column], format="%m/%d/%Y")
    invoices = pd.DataFrame(
        {
            "invoice_id": raw["invoiceNumber"],
            "customer_id": raw["customerID"],
            "invoice_date": raw["InvoiceDate"],
            "due_date": raw["DueDate"],
            "amount": raw["InvoiceAmount"].astype(float),
            "disputed": raw["Disputed"] == "Yes",
        }
    )
    allocations = pd.DataFrame(
        {"invoice_id": raw["invoiceNumber"], "applied_on": raw["SettledDate"], "amount": raw["InvoiceAmount"]}
    )
    return invoices, allocations


READERS: dict[str, Callable[[Path], Dataset]] = {
    "taiwan": taiwan,
    "give_me_some_credit": give_me_some_credit,
    "polish_1year": polish_1year,
    "polish_5year": polish_5year,
    "slovak_sme": slovak_sme,
    "ibm_invoices": ibm_invoices,
}


def load(name: str, root: Path | None = None) -> Dataset:
    if name not in READERS:
        raise KeyError(f"unknown dataset {name!r}; expected one of {', '.join(READERS)}")
    return READERS[name](root or datasets_dir())
