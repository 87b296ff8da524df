"""web/listing.py: sorting, filtering and paging a list from query parameters, within its spec."""

from __future__ import annotations

from typing import Any

from creditdesk.entrypoints.web import listing

ROWS = [{"id": f"C{n:03d}", "seg": "a" if n % 3 else "b", "amount": n * 10 if n % 5 else None} for n in range(1, 121)]
SPEC: listing.Spec[dict[str, Any]] = listing.Spec(
    sorts={"id": lambda r: r["id"], "amount": lambda r: r["amount"]},
    default_sort="id",
    filters={"seg": (["a", "b"], lambda r: r["seg"])},
    search=lambda r: [r["id"]],
)


def test_pages_of_fifty_with_links_that_keep_the_rest() -> None:
    window = listing.read({"page": "2", "seg": "a"}, "/x", SPEC).apply(SPEC, ROWS)
    assert window.total == 80 and len(window.rows) == 30 and window.pages == 2
    assert (window.first, window.last) == (51, 80)
    assert window.next is None and window.previous == "/x?seg=a&sort=id&dir=asc"
    assert all(r["seg"] == "a" for r in window.rows)


def test_descending_sort_puts_blanks_last_and_a_page_past_the_end_is_the_last() -> None:
    window = listing.read({"sort": "amount", "dir": "desc", "page": "99"}, "/x", SPEC).apply(SPEC, ROWS)
    assert window.listing.page == 3 and len(window.rows) == 20
    assert all(r["amount"] is None for r in window.rows[-20:])  # the 24 blanks end the list
    first = listing.read({"sort": "amount", "dir": "desc"}, "/x", SPEC).apply(SPEC, ROWS)
    assert first.rows[0]["amount"] == 1190 and first.listing.sort_href("amount").endswith("sort=amount&dir=asc")


def test_anything_outside_the_spec_is_ignored() -> None:
    read = listing.read(
        {"sort": "drop table", "dir": "sideways", "page": "-4", "seg": "z", "q": "x\x00" * 300}, "/x", SPEC
    )
    assert (read.sort, read.descending, read.page, read.filters) == ("id", False, 1, ())
    assert len(read.q) == listing.MAX_SEARCH and "\x00" not in read.q


def test_search_is_case_insensitive_and_cleared_keeps_the_sort() -> None:
    read = listing.read({"q": "c01", "sort": "amount", "seg": "a"}, "/x", SPEC)
    window = read.apply(SPEC, ROWS)
    assert {r["id"] for r in window.rows} == {f"C01{n}" for n in range(10) if (10 + n) % 3}
    assert read.cleared() == "/x?sort=amount&dir=asc"
