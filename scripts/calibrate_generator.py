"""Derive the synthetic portfolio's calibration figures from the real datasets in ../shared.

Run once (``python scripts/calibrate_generator.py``); it writes
``src/creditdesk/demo/data/calibration.json``, which the generator reads. The generator
itself needs no dataset at run time. What each figure is and where it comes from is
written into the JSON beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from creditdesk.risk.datasets import datasets_dir, read_arff

ROOT = Path(__file__).resolve().parents[1]
DATASETS = datasets_dir()
OUT = ROOT / "src" / "creditdesk" / "demo" / "data" / "calibration.json"

# Polish attribute -> the ratio the generator builds statements from.
POLISH_RATIOS = {
    "Attr1": "net_income_to_assets",
    "Attr2": "liabilities_to_assets",
    "Attr3": "working_capital_to_assets",
    "Attr4": "current_ratio",
    "Attr6": "retained_earnings_to_assets",
    "Attr7": "ebit_to_assets",
    "Attr9": "sales_to_assets",
}
PERCENTILES = list(range(1, 100))


def ibm_figures() -> dict[str, object]:
    frame = pd.read_csv(
        DATASETS / "ibm_accounts_receivable" / "WA_Fn-UseC_-Accounts-Receivable.csv", dtype={"invoiceNumber": str}
    )
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y")
    late = frame["DaysLate"] > 0
    disputed = frame["Disputed"] == "Yes"
    on_time_days = frame.loc[~late, "DaysToSettle"]
    per_customer_month = frame.groupby(["customerID", frame["InvoiceDate"].dt.to_period("M")]).size()
    # How much of the lateness is the customer (persistent) rather than the invoice.
    customer_late_rate = late.groupby(frame["customerID"]).mean()
    return {
        "source": "ibm_accounts_receivable (2,466 invoices, 100 customers, net 30)",
        "late_share": round(float(late.mean()), 4),
        "mean_days_late_when_late": round(float(frame.loc[late, "DaysLate"].mean()), 2),
        "sd_days_late_when_late": round(float(frame.loc[late, "DaysLate"].std()), 2),
        "disputed_share": round(float(disputed.mean()), 4),
        "late_share_disputed": round(float(late[disputed].mean()), 4),
        "late_share_undisputed": round(float(late[~disputed].mean()), 4),
        "on_time_settle_fraction_of_terms": round(float((on_time_days / 30).mean()), 4),
        "customer_late_rate_sd": round(float(customer_late_rate.std()), 4),
        "invoices_per_customer_month": round(float(per_customer_month.mean()), 3),
        "log_amount_sd": round(float(np.log(frame["InvoiceAmount"]).std()), 4),
    }


def polish_figures() -> dict[str, object]:
    frames = [read_arff(DATASETS / "polish_bankruptcy" / name) for name in ("1year.arff", "5year.arff")]
    data = pd.concat(frames, ignore_index=True)
    out: dict[str, object] = {
        "source": "polish_bankruptcy 1year+5year (12,937 company-years)",
        "percentiles": PERCENTILES,
        "ratios": {},
    }
    ratios: dict[str, object] = {}
    for attr, name in POLISH_RATIOS.items():
        column = data[attr]
        entry = {}
        for label, mask in (("healthy", data["class"] == 0), ("bankrupt", data["class"] == 1)):
            values = column[mask].dropna()
            entry[label] = [round(float(v), 5) for v in np.percentile(values, PERCENTILES)]
        ratios[name] = entry
    out["ratios"] = ratios
    return out


def slovak_figures() -> dict[str, object]:
    folder = DATASETS / "slovak_sme_bankruptcy"
    rates: dict[str, dict[str, float]] = {}
    for path in sorted(folder.glob("*.csv")):
        status, industry = path.stem.split("_")[:2]
        if status == "bankrupt":
            count = len(pd.read_csv(path, sep=";", decimal=",", index_col=0))
        else:
            count = len(pd.read_csv(path))
        entry = rates.setdefault(industry, {"bankrupt": 0, "total": 0})
        entry["total"] += count
        if status == "bankrupt":
            entry["bankrupt"] += count
    return {
        "source": "slovak_sme_bankruptcy (13,039 SME-years, 2013-2016)",
        "annual_default_rate_by_industry": {
            industry: round(v["bankrupt"] / v["total"], 5) for industry, v in sorted(rates.items())
        },
        "industry_mix": {
            industry: round(v["total"] / sum(x["total"] for x in rates.values()), 4)
            for industry, v in sorted(rates.items())
        },
    }


def main() -> int:
    if not DATASETS.exists():
        print(f"needs the datasets at {DATASETS}", file=sys.stderr)
        return 69
    calibration = {
        "about": "Calibration of creditdesk.demo.make_portfolio, derived by "
        "scripts/calibrate_generator.py from the real datasets in ../shared/datasets.",
        "payments": ibm_figures(),
        "financial_ratios": polish_figures(),
        "defaults": slovak_figures(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(calibration, indent=1) + "\n")
    print(json.dumps({k: v for k, v in calibration["payments"].items()}, indent=1))
    print(json.dumps(calibration["defaults"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
