"""A portfolio report in JSON: one document, led by its main currency, never adding currencies."""

from creditdesk.entrypoints.cli.reports import portfolio_json


def test_the_portfolio_document_is_led_by_the_currency_with_most_receivables() -> None:
    rows = [
        {"currency": "CNY", "scope": "portfolio", "receivables": "900.00", "dso": 40.0},
        {"currency": "EUR", "scope": "portfolio", "receivables": "1000.00", "dso": 55.0},
    ]
    document = portfolio_json(rows)
    assert (document["currency"], document["dso"], document["currencies"]) == ("EUR", 55.0, rows)
    by_segment = [{"currency": "EUR", "segment": "a", "receivables": "1.00"}]
    assert portfolio_json(by_segment) == by_segment
