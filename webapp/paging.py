"""Long lists shown a page at a time: the one rule for "show more" (care, revisits, audit log, inbox, …).

A list page shows its first PAGE_SIZE rows and a "show more" row at the end. With htmx that row fetches
only the next slice and swaps itself for it; without JavaScript its link reloads the page showing every
row up to the next page, so a reload, a shared link and the back button all keep what was shown.
Nothing is cut off silently: the header counts every row, and the last row says when there are more.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request, url_for

from .extensions import db
from .hypermedia import is_htmx, parse_int

PAGE_SIZE = 50
# ?page=N past this shows this many pages: a hand-typed ?page=99999 must not read the whole district.
MOST_PAGES = 100


@dataclass(frozen=True)
class Page:
    rows: list
    number: int  # the last page shown (1 = the first PAGE_SIZE rows)
    has_more: bool
    total: int | None = None  # every row of the list, when the page counts them
    # The query argument of this list's page: "page", or "<list>_page" where one page shows two lists.
    name: str = "page"
    # The view of the list, when another view shows it (a refused form's 422 page); None: this request's.
    endpoint: str | None = None

    def _url(self, keep) -> str:
        if self.endpoint not in (None, request.endpoint):  # shown by another view: the list's own URL
            return url_for(self.endpoint, **{self.name: self.number + 1})
        kept = {key: value for key, value in request.args.items() if keep(key)}
        return url_for(request.endpoint, **{**(request.view_args or {}), **kept, self.name: self.number + 1})

    @property
    def next_url(self) -> str:
        """This list's URL for one page more, keeping its other arguments (a filter, an id, another list's
        page), so a reload shows all that was shown."""
        return self._url(lambda key: True)

    @property
    def more_url(self) -> str:
        """What htmx fetches for the next slice: the same, with no other list's page, so the view knows
        which list's rows it answers with."""
        return self._url(lambda key: not is_page_argument(key) or key == self.name)


def is_page_argument(name: str) -> bool:
    return name == "page" or name.endswith("_page")


def kept_pages() -> dict[str, str]:
    """The list pages this request shows (?page=, ?<list>_page=): an action taken on a later page carries
    them, so the page it comes back to still shows the row's neighbours, not page 1."""
    return {key: value for key, value in request.args.items() if is_page_argument(key)}


def page_number(name: str = "page") -> int:
    """?page= (or ?<list>_page=) as a user or the "show more" link sent it; none is the first page. Like every
    integer from a request it is range-checked (DESIGN.md): one that is not a whole number from 1 is a 400."""
    raw = request.args.get(name, "")
    if not raw.strip():  # absent or left empty: the first page
        return 1
    number = parse_int(raw, 1, 10**12)  # ASCII digits only: "²".isdigit() is true, int("²") fails
    if number is None:
        abort(400)
    return min(number, MOST_PAGES)


def list_asked_for(names) -> str | None:
    """Which of a page's lists (by page argument name) an htmx "show more" asks the next slice of;
    None for a whole page (a plain request, or none of these lists asked)."""
    if not is_htmx():
        return None
    return next((name for name in names if name in request.args), None)


def rows_of_page(number: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """(offset, limit) of what this request shows: htmx gets page `number` alone (it appends it), a plain
    request every row up to it. The limit reads one row more, to know whether there are more."""
    if is_htmx():
        return (number - 1) * size, size + 1
    return 0, number * size + 1


def take_page(statement, number: int, size: int = PAGE_SIZE, *, scalars: bool = False,
              total: int | None = None, name: str = "page", endpoint: str | None = None) -> Page:
    """Run a statement (already in its final order, ending on something unique) for one page; rows or
    scalars as asked. `name`/`endpoint`: see Page."""
    offset, limit = rows_of_page(number, size)
    run = db.session.scalars if scalars else db.session.execute
    rows = list(run(statement.offset(offset).limit(limit)).all())
    return Page(rows[:limit - 1], number, len(rows) == limit, total, name, endpoint)
