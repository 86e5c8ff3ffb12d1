"""What every browser test checks on a page: axe-core finds no serious or critical problem, and nothing
scrolls sideways. Shared by the family, tracking, Unsubscribe and admin page tests."""

from axe_playwright_python.sync_playwright import Axe
from django.test import Client

SCREENS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
NARROWEST = {"width": 320, "height": 640}
BLOCKING = {"serious", "critical"}

_axe = Axe()


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one readable line each."""
    violations = _axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def assert_page_is_fine(page, where: str):
    found = blocking_violations(page)
    assert not found, f"{where}: " + "; ".join(found)
    assert sideways_overflow(page) <= 0, f"{where}: scrolls sideways at {page.viewport_size['width']} px"


def new_context(browser, base_url, viewport, *, user=None):
    """A browser context for axe: the site's CSP would block the injected axe script, so it is bypassed
    here (only here). With `user`, the context is signed in as that user."""
    context = browser.new_context(bypass_csp=True, viewport=viewport, base_url=base_url)
    if user is not None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
        )
    return context


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two sRGB colours given as 0-255 triples."""

    def luminance(rgb):
        def channel(c):
            c = c / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# The focused element's outline colour and the colour behind it (the nearest opaque ancestor background).
FOCUS_COLOURS_JS = """() => {
  const el = document.activeElement;
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const style = getComputedStyle(el);
  let node = el.parentElement, bg = null;
  while (node) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  return {outline: parse(style.outlineColor).slice(0, 3), width: parseFloat(style.outlineWidth),
          styleName: style.outlineStyle, background: bg || [255, 255, 255], tag: el.tagName, text: el.textContent.trim()};
}"""
