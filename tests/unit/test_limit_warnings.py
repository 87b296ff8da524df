"""A limit increase's warnings: above the recommendation, above the segment's ceiling, a weak
grade, a limit more than doubled; none for a cut."""

from __future__ import annotations

from decimal import Decimal

from creditdesk.domain.limit_warnings import (
    ABOVE_RECOMMENDATION,
    ABOVE_SEGMENT_CEILING,
    HIGH_GRADE,
    LARGE_INCREASE,
    LimitContext,
    describe,
)


def ctx(current: str, requested: str, **kw: object) -> LimitContext:
    return LimitContext("CNY", Decimal(current), Decimal(requested), **kw)  # type: ignore[arg-type]


def codes(c: LimitContext) -> list[str]:
    return [w.code for w in c.warnings]


def test_the_managers_case_warns_of_everything_with_its_figures() -> None:
    """320k -> 1M, five times the recommendation, above the new-customer ceiling, grade 8."""
    c = ctx("320000", "1000000", recommended=Decimal("200000"), grade=8, ceiling=Decimal("200000"), segment="probation")
    assert codes(c) == [ABOVE_RECOMMENDATION, ABOVE_SEGMENT_CEILING, HIGH_GRADE, LARGE_INCREASE]
    above, ceiling, grade, large = c.warnings
    assert above.values["ratio"] == "5.00" and above.values["recommended"] == "200000"
    assert ceiling.values == {"segment": "probation", "ceiling": "200000", "requested": "1000000"}
    assert grade.values == {"grade": "8"}
    assert large.values["factor"] == "3.13"
    assert c.change == Decimal(680000) and c.change_pct == Decimal("212.50")
    assert "5.00× the recommended 200000" in describe(c.warnings)
    assert c.as_json()["warnings"][0] == {  # type: ignore[index]
        "code": ABOVE_RECOMMENDATION,
        "ratio": "5.00",
        "recommended": "200000",
        "requested": "1000000",
    }


def test_a_modest_increase_within_everything_warns_of_nothing() -> None:
    c = ctx("100000", "150000", recommended=Decimal("150000"), grade=7, ceiling=Decimal("200000"))
    assert codes(c) == [] and c.change_pct == Decimal("50.00")


def test_exactly_double_is_not_a_large_increase_but_more_is() -> None:
    assert codes(ctx("100000", "200000")) == []
    assert codes(ctx("100000", "200001")) == [LARGE_INCREASE]


def test_a_cut_never_warns_even_above_the_recommendation_at_a_weak_grade() -> None:
    """Negative control: the same figures as an increase would warn."""
    assert codes(ctx("500000", "400000", recommended=Decimal("100000"), grade=9, ceiling=Decimal("200000"))) == []
    assert codes(ctx("300000", "400000", recommended=Decimal("100000"), grade=9, ceiling=Decimal("200000"))) == [
        ABOVE_RECOMMENDATION,
        ABOVE_SEGMENT_CEILING,
        HIGH_GRADE,
    ]


def test_a_first_limit_is_measured_by_the_recommendation_and_ceiling_not_by_doubling() -> None:
    c = ctx("0", "250000", recommended=Decimal("0"), ceiling=Decimal("200000"), segment="probation")
    assert codes(c) == [ABOVE_RECOMMENDATION, ABOVE_SEGMENT_CEILING]
    assert c.change_pct is None and c.warnings[0].values["ratio"] == ""
    assert codes(ctx("0", "150000", recommended=Decimal("150000"), ceiling=Decimal("200000"))) == []


def test_unscored_and_without_a_recommendation_only_the_figures_known_warn() -> None:
    assert codes(ctx("100000", "190000", grade=None, recommended=None)) == []
    assert codes(ctx("100000", "190000", grade=10)) == [HIGH_GRADE]
