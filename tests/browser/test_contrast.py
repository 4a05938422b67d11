"""Text a volunteer can read in a sunny street or a dark stairwell: every main page of every role, light
and dark, keeps its text at WCAG AA contrast (4.5:1; 3:1 for large text) against what is behind it."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.browser.test_phone_sweep import PAGES, _places
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# The colour of each piece of text over the first opaque background behind it (semi-transparent layers and
# opacity blended in); disabled buttons are exempt, as WCAG allows.
LOW_CONTRAST = r"""() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = c => { const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let result = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (!result || result[3] < 1) result = matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0] : [255, 255, 255];
    for (let i = layers.length - 1; i >= 0; i--) { const c = layers[i]; result = result.map((v, j) => c[j] * c[3] + v * (1 - c[3])); }
    return result;
  };
  const found = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const text = node.textContent.trim(), el = node.parentElement;
    if (!text || seen.has(el)) continue;
    seen.add(el);
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || el.closest('button:disabled')) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const fg = parse(style.color), bg = background(el), alpha = fg[3] * opacity;
    const shown = fg.slice(0, 3).map((v, j) => v * alpha + bg[j] * (1 - alpha));
    const [a, b] = [lum(shown), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) found.push(`“${text.slice(0, 20)}” (${el.className || el.tagName}) ${ratio.toFixed(2)}:1`);
  }
  return found;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_main_page_is_readable(live_server, browser, scheme):
    places = _places(live_server.app)
    found = []
    for role, pages in PAGES.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN", color_scheme=scheme)
        page = context.new_page()
        log_in(page, live_server.url, role, PASSWORD)
        for name, path in pages.items():
            page.goto(live_server.url + path.format(**places))
            found += [f"{role} {name}: {problem}" for problem in page.evaluate(LOW_CONTRAST)]
        context.close()
    assert not found, "\n".join(found)
