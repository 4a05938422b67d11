"""Long lists shown a page at a time: the one rule for "show more" (care, revisits, audit log).

A list page shows its first PAGE_SIZE rows and a "show more" row at the end. With htmx that row fetches
only the next slice and swaps itself for it; without JavaScript its link reloads the page showing every
row up to the next page, so a reload, a shared link and the back button all keep what was shown.
Nothing is cut off silently: the header counts every row, and the last row says when there are more.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from .extensions import db
from .hypermedia import is_htmx

PAGE_SIZE = 50
# ?page=N past this shows this many pages: a hand-typed ?page=99999 must not read the whole district.
MOST_PAGES = 100


@dataclass(frozen=True)
class Page:
    rows: list
    number: int  # the last page shown (1 = the first PAGE_SIZE rows)
    has_more: bool
    total: int | None = None  # every row of the list, when the page counts them

    @property
    def next_url(self) -> str:
        """This list's URL for one page more, keeping its other arguments (a filter, an id)."""
        return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(), "page": self.number + 1})


def page_number() -> int:
    """?page= as a user or the "show more" link sent it; anything else is the first page."""
    raw = request.args.get("page", "")
    return min(int(raw), MOST_PAGES) if raw.isdigit() and int(raw) > 0 else 1


def rows_of_page(number: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """(offset, limit) of what this request shows: htmx gets page `number` alone (it appends it), a plain
    request every row up to it. The limit reads one row more, to know whether there are more."""
    if is_htmx():
        return (number - 1) * size, size + 1
    return 0, number * size + 1


def take_page(statement, number: int, size: int = PAGE_SIZE, *, scalars: bool = False,
              total: int | None = None) -> Page:
    """Run a statement (already in its final order) for one page; rows or scalars as asked."""
    offset, limit = rows_of_page(number, size)
    run = db.session.scalars if scalars else db.session.execute
    rows = list(run(statement.offset(offset).limit(limit)).all())
    return Page(rows[:limit - 1], number, len(rows) == limit, total)
