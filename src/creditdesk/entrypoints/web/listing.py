"""Sort, filter and page a list from the page's query parameters.

A page declares its :class:`Spec` (the sort keys it allows, the filters and their allowed values,
what a search reads); :func:`read` turns the query parameters into a :class:`Listing` (anything
outside the spec is ignored: an unknown sort key is the default, an unknown filter value no
filter), and :meth:`Listing.apply` gives one :class:`Window` of rows kept in memory. A list the
database pages (the customer list) uses the listing's ``sort``, ``descending``, ``offset`` and
``size`` and builds its :class:`Window` with :meth:`Listing.window`.
``templates/_listing.html`` draws the sortable headers, the filter form and the pager.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

T = TypeVar("T")

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_SEARCH = 200  # characters of a search; longer is cut
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Spec(Generic[T]):
    """What a list allows. ``sorts``: key → the row's value to sort by (None sorts last);
    ``filters``: name → (the allowed values, the row's value); ``search``: the texts a search
    looks in (case-insensitive)."""

    sorts: Mapping[str, Callable[[T], Any]]
    default_sort: str
    default_descending: bool = False
    filters: Mapping[str, tuple[Sequence[str], Callable[[T], Any]]] = field(default_factory=dict)
    search: Callable[[T], Sequence[str]] | None = None
    size: int = PAGE_SIZE


def search_text(q: str) -> str:
    """A search as a list takes it: no control characters, trimmed, at most MAX_SEARCH characters."""
    return _CONTROL_CHARACTERS.sub("", q).strip()[:MAX_SEARCH]


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


@dataclass(frozen=True)
class Listing:
    """One reading of a list's query parameters, every value within its spec."""

    path: str
    sort: str
    descending: bool
    page: int
    size: int
    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    keep: tuple[tuple[str, str], ...] = ()  # other parameters of the page, carried along

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def chosen(self, name: str) -> str:
        """The filter's chosen value ('' for none)."""
        return dict(self.filters).get(name, "")

    def href(self, **changes: Any) -> str:
        """This list's address with some parameters changed (``page``, ``sort``, ``dir``, ``q``,
        a filter); any change but the page goes back to page 1."""
        params: dict[str, Any] = {
            **dict(self.keep),
            **dict(self.filters),
            "q": self.q,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "page": self.page,
        }
        if "page" not in changes:
            params["page"] = 1
        params.update(changes)
        shown = {k: v for k, v in params.items() if v not in ("", None) and not (k == "page" and v == 1)}
        return f"{self.path}?{urlencode(shown)}" if shown else self.path

    def cleared(self) -> str:
        """This list without its search and filters (sorted as it is)."""
        return self.href(q="", **{name: "" for name, _ in self.filters})

    def sort_href(self, key: str) -> str:
        """The header's link: this key, the other direction when it is the one sorted by."""
        if key == self.sort:
            return self.href(sort=key, dir="asc" if self.descending else "desc")
        return self.href(sort=key, dir="asc")

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    def window(self, rows: list[T], total: int) -> Window[T]:
        return Window(rows, total, self)

    def apply(self, spec: Spec[T], rows: Sequence[T]) -> Window[T]:
        """Filter, search, sort (stable: equal rows keep their order) and cut one page."""
        kept = list(rows)
        for name, value in self.filters:
            _, value_of = spec.filters[name]
            kept = [row for row in kept if str(value_of(row)) == value]
        if self.q and spec.search is not None:
            needle = self.q.casefold()
            find = spec.search
            kept = [row for row in kept if any(needle in (text or "").casefold() for text in find(row))]
        key_of = spec.sorts[self.sort]
        present = [row for row in kept if key_of(row) is not None]
        missing = [row for row in kept if key_of(row) is None]  # last, whichever the direction
        present.sort(key=key_of, reverse=self.descending)
        ordered = present + missing
        total = len(ordered)
        page = min(self.page, max(1, -(-total // self.size)))
        here = Listing(self.path, self.sort, self.descending, page, self.size, self.q, self.filters, self.keep)
        return Window(ordered[here.offset : here.offset + here.size], total, here)


@dataclass(frozen=True)
class Window(Generic[T]):
    """One page of a list: its rows, how many there are in all, and the listing it came from."""

    rows: list[T]
    total: int
    listing: Listing

    @property
    def first(self) -> int:
        return self.listing.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.listing.offset + len(self.rows) if self.rows else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.listing.size))

    @property
    def previous(self) -> str | None:
        return self.listing.href(page=self.listing.page - 1) if self.listing.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.listing.href(page=self.listing.page + 1) if self.listing.page < self.pages else None


def read(
    params: QueryParams | Mapping[str, str],
    path: str,
    spec: Spec[Any],
    keep: Mapping[str, str] | None = None,
) -> Listing:
    """The listing the query parameters ask for, within ``spec``; ``keep``: the page's other
    parameters, already checked, that every link carries along."""
    sort = params.get("sort") or spec.default_sort
    if sort not in spec.sorts:
        sort = spec.default_sort
    direction = params.get("dir")
    descending = direction == "desc" if direction in ("asc", "desc") else spec.default_descending
    if sort != spec.default_sort and direction not in ("asc", "desc"):
        descending = False
    page = min(max(1, _int(params.get("page"), 1)), MAX_PAGE)
    filters = tuple(
        (name, str(params.get(name)))
        for name, (allowed, _) in spec.filters.items()
        if params.get(name) and str(params.get(name)) in allowed
    )
    q = search_text(str(params.get("q") or "")) if spec.search is not None else ""
    kept = tuple((k, v) for k, v in (keep or {}).items() if v)
    return Listing(path, sort, descending, page, spec.size, q, filters, kept)
