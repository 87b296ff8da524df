"""A batch bucket's integer codes for its ids, and the rarer cycle collector while it computes."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd

from creditdesk.adapters.batch.stages import _as_codes, rare_collections


def test_codes_follow_the_ids_own_order_across_tables_and_skip_what_is_absent() -> None:
    frames = {
        "invoices": pd.DataFrame({"invoice_id": ["I10", "I2", "É1", "I10b"]}),
        "allocations": pd.DataFrame({"invoice_id": ["I2", "I2", None, "I9"]}),
        "disputes": pd.DataFrame({"invoice_id": pd.Series([], dtype=object)}),
    }
    # The text's own order (as pandas sorts it), a gap as -1, the absent table left out.
    given = pd.concat([frames[n]["invoice_id"] for n in ("invoices", "allocations")], ignore_index=True)
    expected, labels = pd.factorize(given, sort=True)
    values = _as_codes(frames, ("invoices", "allocations", "disputes", "revalued"), "invoice_id")
    found = np.concatenate([frames["invoices"]["invoice_id"], frames["allocations"]["invoice_id"]])
    assert found.tolist() == expected.tolist()
    assert values.to_pylist() == list(labels) == ["I10", "I10b", "I2", "I9", "É1"]
    assert frames["allocations"]["invoice_id"].tolist()[2] == -1
    assert frames["disputes"]["invoice_id"].dtype == np.int64 and "revalued" not in frames


def test_the_collector_runs_rarely_inside_and_as_before_after() -> None:
    before = gc.get_threshold()
    with rare_collections():
        assert gc.get_threshold()[0] > before[0]
    assert gc.get_threshold() == before
