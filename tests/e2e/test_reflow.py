"""WF-08: no page scrolls sideways on a phone (WCAG 2.2 reflow, 1.4.10). Every page type, filled from the demo
clinic, at 320 x 640 and 390 x 844 CSS px in Chromium: the document is no wider than the viewport (a wide data
table may scroll inside its own labelled, focusable box), and every link of the top menu is on screen."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from tests.helpers.page_states import DEMO_PASSWORDS, load_demo, open_state, page_states, uncovered_endpoints

# Markup sweeps: what the browser shows of each page state, the same on either database; run once, on SQLite.
pytestmark = [pytest.mark.e2e, pytest.mark.markup]

SIZES = ((320, 640), (390, 844))

MEASURE = """() => {
  const width = window.innerWidth;
  const offscreen = [...document.querySelectorAll('header a, header button')]
    .filter(el => el.offsetParent !== null)
    .map(el => el.getBoundingClientRect())
    .filter(r => r.right > width + 0.5 || r.left < -0.5).length;
  // The outermost elements that reach past the right edge, to say what to fix.
  const culprits = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && !el.closest('.scroll-box'))
    .filter(el => !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5))
    .slice(0, 3)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
  return {width: document.documentElement.scrollWidth, offscreen: offscreen, culprits: culprits};
}"""


def role_pages(chromium, base, *, user_styles: bool = False):
    """One logged-in page per role (and one logged out), each in its own browser context; ``user_styles`` lets
    the test add a style sheet as a reader's own would be (our CSP forbids inline styles to pages)."""
    pages = {}
    for role in ("anonymous", *DEMO_PASSWORDS):
        context = chromium.new_context(viewport={"width": 320, "height": 640}, bypass_csp=user_styles)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if role != "anonymous":
            log_in(page, base, *DEMO_PASSWORDS[role])
        pages[role] = page
    return pages


def test_wf08_every_page_type_is_in_the_reflow_sweep(app):
    assert uncovered_endpoints(app, page_states({k: 1 for k in ("patient", "plan", "screening", "admin",
                                                                "deferred", "referred")})) == set()


def test_wf08_no_page_scrolls_sideways_at_320_and_390_px(app, runner, live_server, chromium):
    ids = load_demo(app, runner)
    pages = role_pages(chromium, live_server)
    wide, seen_states = [], 0
    try:
        for state in page_states(ids):
            page = pages[state.role]
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            try:
                open_state(page, live_server, state)
            except Exception as exc:  # noqa: BLE001 - a page that cannot be shown is reported with the others
                wide.append(f"{state.name}: could not be shown ({str(exc).splitlines()[0]})")
                continue
            if state.errors and page.locator(".error-summary, .error, .refusal").count() == 0:
                wide.append(f"{state.name}: no error shown")
            seen_states += 1
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                seen = page.evaluate(MEASURE)
                if seen["width"] > width or seen["offscreen"]:
                    wide.append(f"{state.name} at {width}: {seen['width']} px wide, "
                                f"{seen['offscreen']} header links off screen; {', '.join(seen['culprits'])}")
    finally:
        for page in pages.values():
            page.context.close()
    print(f"\nWF-08: {len({w.split(' at ')[0] for w in wide})} of {seen_states} page states scroll sideways")
    print("\n".join(wide))
    assert wide == []


# WCAG 1.4.4 (text at 200 %) and 1.4.12 (text spacing): the bookmarklet's spacing on top of doubled text.
BIG_SPACED_TEXT = """html { font-size: 34px !important; }
* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }
p { margin-bottom: 2em !important; }"""

CLIPPED = """() => {
  const width = window.innerWidth;
  const clipped = [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    if (el.closest('.sr') || el.offsetParent === null || el.clientWidth <= 1) return false;
    const hides = v => v === 'hidden' || v === 'clip';
    return (hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1)
        || (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1);
  }).slice(0, 3).map(el => el.tagName.toLowerCase() + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
  return {width: document.documentElement.scrollWidth, clipped: clipped};
}"""


def test_wf10_at_200_percent_text_with_wide_text_spacing_nothing_is_cut_off(app, runner, live_server, chromium):
    ids = load_demo(app, runner)
    pages = role_pages(chromium, live_server, user_styles=True)
    found = []
    try:
        for state in page_states(ids):
            page = pages[state.role]
            page.set_viewport_size({"width": 1280, "height": 900})
            open_state(page, live_server, state)
            page.add_style_tag(content=BIG_SPACED_TEXT)
            seen = page.evaluate(CLIPPED)
            if seen["width"] > 1280 or seen["clipped"]:
                wide = page.evaluate(MEASURE)["culprits"]
                found.append(f"{state.name}: {seen['width']} px wide ({', '.join(wide)}); cut off: {seen['clipped']}")
    finally:
        for page in pages.values():
            page.context.close()
    assert found == []


def test_wf08_the_reflow_check_can_fail(chromium):
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.set_content('<html lang="en"><body><header><a href="#">Menu</a></header>'
                         '<table><tr><td style="min-width: 500px">wide</td></tr></table></body></html>')
        seen = page.evaluate(MEASURE)
        assert seen["width"] > 320 and seen["culprits"] == ["table"]
    finally:
        context.close()
