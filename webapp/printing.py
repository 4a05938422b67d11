"""QR codes for printed stickers, slips and posters: error correction Q, drawn as compact inline SVG;
what a sticker may say about a place."""
import re

import qrcode
from flask import current_app, request, url_for
from markupsafe import Markup


# Words that say who lives behind a door or what is wrong with them. A printed sticker is read by the
# neighbours: it carries the address and a neutral label, never one of these (DESIGN.md).
CATEGORY_WORDS = (
    "居家观察户", "居家观察", "居家隔离", "集中隔离", "隔离人员", "隔离户", "隔离", "观察户", "密接", "次密接", "密切接触", "确诊", "阳性", "感染",
    "病例", "疑似", "发热", "管控", "封控", "重点人员", "重点人群", "高风险", "中风险", "低保", "残疾", "独居",
    "空巢", "孤寡", "精神", "吸毒", "刑满", "社区矫正", "矫正", "上访", "信访", "涉疫",
    "quarantine", "isolation", "isolating", "positive", "infected", "suspected",
)


# Longest first, so "居家观察户" is found (or removed) whole before "观察户" or "隔离" inside it.
_LONGEST_FIRST = tuple(sorted(CATEGORY_WORDS, key=len, reverse=True))


def category_words_in(text: str | None) -> list[str]:
    """The category words a name contains (longest match first, each reported once)."""
    found, rest = [], (text or "").lower()
    for word in _LONGEST_FIRST:
        if word in rest:
            found.append(word)
            rest = rest.replace(word, " ")
    return found


def sticker_place(name: str, address: str | None = None) -> str:
    """What a checkpoint sticker prints: the door's address if it is a door, else the place's name
    with any category words left out."""
    if address:
        return address
    place = name
    for word in _LONGEST_FIRST:
        place = re.sub(re.escape(word), " ", place, flags=re.IGNORECASE)
    place = re.sub(r"\s+", " ", place).strip(" ·-—:：,，()（）[]【】")
    return place


def printed_url(endpoint: str, **values) -> str:
    """The absolute URL a printed code carries: on PUBLIC_BASE_URL if set, else the host being browsed."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def qr_svg(data: str, label: str = "") -> Markup:
    """One <path> of horizontal runs: a fifth of the size of the library's module-per-square SVG."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg class="qr" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{Markup.escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>'
    )
