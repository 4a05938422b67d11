"""What a browser sends when a form on a page is submitted as shown: its hidden fields, the values
already in its inputs, its selected options and checked boxes. Tests post this (changing only what a
person would type), so a field the page forgets or fills wrongly fails the test, as it fails the user."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.found = action, False, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.found and (a.get("action") or "").split("?")[0] == self.action:
            self.inside = self.found = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict[str, str | list[str]]:
    """The fields the first form posting to `action` (its path) sends as shown; a name sent more than once
    (checked boxes) maps to a list."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.found, f"no form posting to {action}"
    fields: dict[str, str | list[str]] = {}
    for name, value in reader.fields:
        if name in fields:
            kept = fields[name]
            fields[name] = (kept if isinstance(kept, list) else [kept]) + [value]
        else:
            fields[name] = value
    return fields
