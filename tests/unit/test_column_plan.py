"""Column roles: inferred from the cells, declared by the user, protected attributes left out with a reason."""

from datetime import date

import pandas as pd
import pytest

from creditdesk.risk.column_plan import ColumnPlan, Declared, Role, plan_columns
from creditdesk.risk.protected import matching_pattern


def frame(rows: int = 120) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_no": [f"C{i:04d}" for i in range(rows)],
            "loan_id": [str(1000 + i) for i in range(rows)],
            "purpose": ["car", "furniture", "business", ""] * (rows // 4),
            "amount": [str(100 + i) for i in range(rows)],
            "opened_on": [f"2026-0{1 + i % 9}-1{i % 9}" for i in range(rows)],
            "note": [f"free text number {i}" for i in range(rows)],
            "city": [f"city {i % 55}" for i in range(rows)],
            "region": ["north"] * rows,
            "applicant_age": [str(20 + i % 50) for i in range(rows)],
            "marital_status": ["single", "married"] * (rows // 2),
            "mortgage_share": ["0.5"] * (rows - 1) + ["0.2"],
            "bad": ["0", "1"] * (rows // 2),
        }
    )


def roles(plan: ColumnPlan) -> dict[str, Role]:
    return {c.name: c.role for c in plan.columns}


def test_each_column_gets_an_inferred_role_and_a_reason_when_left_out() -> None:
    plan = plan_columns(frame(), "bad", Declared())
    assert roles(plan) == {
        "customer_no": Role.ID,
        "loan_id": Role.ID,
        "purpose": Role.CATEGORICAL,
        "amount": Role.NUMERIC,
        "opened_on": Role.UNDECLARED_DATE,
        "note": Role.FREE_TEXT,
        "city": Role.TOO_MANY_CATEGORIES,
        "region": Role.CONSTANT,
        "applicant_age": Role.PROTECTED,
        "marital_status": Role.PROTECTED,
        "mortgage_share": Role.NUMERIC,
    }
    assert plan.features == ["purpose", "amount", "mortgage_share"]
    assert set(plan.left_out) == set(roles(plan)) - set(plan.features)
    assert "declare --date opened_on" in plan.left_out["opened_on"]
    assert "declare --categorical city" in plan.left_out["city"]
    purpose = next(c for c in plan.columns if c.name == "purpose")
    assert (purpose.holds, purpose.missing_share, purpose.distinct) == ("text", 0.25, 3)


def test_declared_roles_win_but_a_protected_column_needs_a_reason() -> None:
    declared = Declared(
        roles={"opened_on": "date", "city": "categorical", "amount": "categorical", "purpose": "exclude"},
        allow_protected={"applicant_age": "a pensioners' product, approved by the regulator"},
        as_of=date(2026, 12, 1),
    )
    plan = plan_columns(frame().assign(marital_status=["single"] * 60 + ["married"] * 60), "bad", declared)
    assert roles(plan)["opened_on"] is Role.DATE and plan.as_of == "2026-12-01"
    assert roles(plan)["city"] is Role.CATEGORICAL and roles(plan)["amount"] is Role.CATEGORICAL
    assert roles(plan)["purpose"] is Role.EXCLUDED
    assert roles(plan)["applicant_age"] is Role.NUMERIC
    assert roles(plan)["marital_status"] is Role.PROTECTED  # protected whatever else was said
    assert plan.allowed_protected == {"applicant_age": "a pensioners' product, approved by the regulator"}
    assert plan.protected == ["applicant_age", "marital_status"]
    assert ColumnPlan.from_dict(plan.to_dict()) == plan


def test_declarations_that_do_not_fit_the_file_say_what_to_do() -> None:
    declared = Declared(roles={"nope": "categorical", "amount": "text"}, allow_protected={"applicant_age": " "})
    problems = declared.problems(list(frame().columns))
    assert any("unknown role 'text'; expected one of categorical" in p for p in problems)
    assert any("no column 'nope'" in p for p in problems)
    assert any("needs a reason" in p for p in problems)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("personal_status_sex", "sex"),
        ("foreign_worker", "foreign"),
        ("Age", "age"),
        ("applicantAge", "age"),
        ("date_of_birth", "birth"),
        ("Nationality", "nationality"),
        ("religious_group", "religious"),
        ("mortgage", None),
        ("average_days_late", None),
        ("page_views", None),
        ("usage", None),
    ],
)
def test_protected_names_match_words_not_substrings(name: str, pattern: str | None) -> None:
    from creditdesk.risk.protected import DEFAULT_PATTERNS

    assert matching_pattern(name, DEFAULT_PATTERNS) == pattern
