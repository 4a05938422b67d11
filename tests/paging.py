"""Walking a long list's pages as a phone does (webapp/paging.py): htmx's "show more" fetches each next
slice alone, and without JavaScript the same row's link shows every row up to that page."""
from __future__ import annotations

import re
from html import unescape

HTMX = {"HX-Request": "true"}
PAGE_SIZE = 50
MORE = "显示更多"
_MORE_ROW = re.compile(r'<li class="more"><a class="button wide" href="([^"]+)" hx-get="([^"]+)"')
# What a person might type into ?page= by hand: every one of these is out of range, a 400 (DESIGN.md: every
# integer from a request is range-checked); an empty one reads as the first page.
BAD_PAGES = ("abc", "0", "-1", "2.5", "²", "１", "9" * 30, "2;drop")


def more_links(html: str) -> tuple[str, str] | None:
    """(the plain link, what htmx fetches) of a list's "show more" row; None when there are no more."""
    found = _MORE_ROW.search(html)
    return (unescape(found.group(1)), unescape(found.group(2))) if found else None


def section(html: str, heading: str) -> str:
    """The part of a page from one heading to the next <h2>: the piece that holds one list where a page shows
    several (the inbox, 我的留言条, /tasks, the daily summary)."""
    start = html.index(heading)
    end = html.find("<h2", start + 1)
    return html[start:end if end > 0 else len(html)]


def page_through(client, path: str, name: str, numbers, part=None, size: int = PAGE_SIZE) -> list:
    """Every row of a list, in the order shown, read page by page as htmx does; checks that each page is
    a fragment of at most PAGE_SIZE rows, that no row comes twice, and that the plain link of the last
    "show more" shows the very same rows in the same order. `numbers(html)` picks the list's rows;
    `part(html)`, where a page shows more than one list, the piece of a whole page that holds this one;
    `size`, a list's rows per page where it is not the usual PAGE_SIZE."""
    part = part or (lambda html: html)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = numbers(html)
    links, pages = more_links(part(html)), 1
    assert len(shown) == size if links else len(shown) <= size
    href = None
    while links:
        href, fetched = links
        pages += 1
        assert f"{name}={pages}" in href and f"{name}={pages}" in fetched
        response = client.get(fetched, headers=HTMX)
        assert response.status_code == 200
        fragment = response.get_data(as_text=True)
        assert "<html" not in fragment and "<h1" not in fragment  # the next rows alone
        rows = numbers(fragment)
        links = more_links(fragment)
        assert len(rows) == size if links else 0 < len(rows) <= size
        shown += rows
    assert len(set(shown)) == len(shown), "a row was shown twice"
    if href is not None:  # without JavaScript: the whole list up to the last page, in the same order
        everything = client.get(href).get_data(as_text=True)
        assert numbers(everything) == shown
        assert more_links(part(everything)) is None and MORE not in part(everything)
    return shown


def check_bad_pages(client, path: str, name: str, numbers, part=None, size: int = PAGE_SIZE) -> None:
    """A page number typed by hand is read safely: rubbish is a 400, empty the first page, past the end the
    whole list."""
    part = part or (lambda html: html)
    joiner = "&" if "?" in path else "?"
    first = numbers(client.get(path).get_data(as_text=True))
    for bad in BAD_PAGES:
        response = client.get(f"{path}{joiner}{name}={bad}")
        assert response.status_code == 400, bad
    response = client.get(f"{path}{joiner}{name}=")
    assert response.status_code == 200 and numbers(response.get_data(as_text=True)) == first
    html = client.get(f"{path}{joiner}{name}=99999").get_data(as_text=True)
    assert more_links(part(html)) is None and len(numbers(html)) > size
    response = client.get(f"{path}{joiner}{name}=99999", headers=HTMX)
    assert response.status_code == 200 and numbers(response.get_data(as_text=True)) == []
