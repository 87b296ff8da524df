"""Master data: the rules of a change's values, the version valid on a date, the inactive check."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.ledger import Totals
from creditdesk.domain.money import Money
from creditdesk.domain.rules import CheckInputs, RuleSet, evaluate
from creditdesk.risk.features.customer import SourceTables, master_data_on
from creditdesk.service import master_data as md
from creditdesk.service.errors import InvalidInput


def test_values_are_checked_field_by_field() -> None:
    assert md.check_values({"segment": "state_owned", "payment_terms_days": 0, "country": None})
    with pytest.raises(InvalidInput) as caught:
        md.check_values({"segment": "royal", "country": "China", "payment_terms_days": 400, "name": " ", "nope": 1})
    codes = {(p.loc[-1], p.code) for p in caught.value.problems}
    assert codes == {
        ("segment", "BAD_VALUE"),
        ("country", "BAD_VALUE"),
        ("payment_terms_days", "OUT_OF_RANGE"),
        ("name", "BAD_VALUE"),
        ("nope", "UNKNOWN_FIELD"),
    }
    assert md.diff({"name": "A", "segment": "standard"}, {"name": "A", "segment": "new"}) == {
        "segment": ("standard", "new")
    }


def test_features_read_the_version_valid_on_their_date() -> None:
    customers = pd.DataFrame(
        [{"customer_id": "A", "group_id": "G2", "segment": "state_owned", "registered_on": None},
         {"customer_id": "B", "group_id": None, "segment": "standard", "registered_on": None}]
    )  # fmt: skip
    versions = pd.DataFrame(
        [{"customer_id": "A", "valid_from": date(2020, 1, 1), "valid_to": date(2026, 3, 1), "group_id": "G1",
          "segment": "standard", "registered_on": None},
         {"customer_id": "A", "valid_from": date(2026, 3, 1), "valid_to": None, "group_id": "G2",
          "segment": "state_owned", "registered_on": None}]
    )  # fmt: skip
    empty = pd.DataFrame()
    tables = SourceTables(customers, empty, empty, empty, empty, empty, empty, versions=versions)
    before = master_data_on(tables, date(2026, 2, 28)).set_index("customer_id")
    assert (before.loc["A", "group_id"], before.loc["A", "segment"]) == ("G1", "standard")
    assert before.loc["B", "segment"] == "standard"  # no version then: as stored
    on_the_day = master_data_on(tables, date(2026, 3, 1)).set_index("customer_id")  # half-open: the new one
    assert (on_the_day.loc["A", "group_id"], on_the_day.loc["A", "segment"]) == ("G2", "state_owned")


def test_an_inactive_or_merged_customer_gets_no_new_orders() -> None:
    inputs = CheckInputs("A", "EUR", None, None, AccountStatus.ACTIVE, 100_000, Totals())
    assert evaluate(RuleSet(), inputs, Money.of("10", "EUR"), date(2026, 3, 31)).outcome.value == "approved"
    for status, into, text in (("inactive", None, "inactive"), ("merged", "B", "merged into B")):
        moved = CheckInputs(
            "A", "EUR", None, None, AccountStatus.ACTIVE, 100_000, Totals(), customer_status=status, merged_into=into
        )
        decision = evaluate(RuleSet(), moved, Money.of("10", "EUR"), date(2026, 3, 31))
        assert decision.outcome.value == "blocked"
        assert [r.code.value for r in decision.reasons] == ["CUSTOMER_INACTIVE"]
        assert text in decision.reasons[0].text("en") and decision.reasons[0].text("zh")
