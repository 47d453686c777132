"""Key hints are readable wherever they sit, buttons included (issue #16: white on #eef2f7 was 1.1:1)."""

import pytest

from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTRAST = """el => {
  const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const s = getComputedStyle(el);
  const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_every_key_hint_on_the_labeling_page_has_readable_contrast(live_server, page, login):
    UserFactory(username="annie", roles=["annotator"])
    LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="Where is my parcel?")
    login(page, live_server.url, "annie")
    page.goto(live_server.url + "/labeling/")
    page.keyboard.press("n")
    page.locator(".item-text").wait_for()
    hints = page.locator("kbd")
    assert hints.count() >= 3
    for i in range(hints.count()):
        ratio = hints.nth(i).evaluate(CONTRAST)
        assert ratio >= 4.5, (hints.nth(i).inner_text(), ratio)


def test_every_key_hint_on_the_review_item_page_and_in_the_overlay_has_readable_contrast(live_server, page, login):
    UserFactory(username="rita", roles=["reviewer"])
    item = LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="Where is my parcel?", status="review")
    login(page, live_server.url, "rita")
    page.goto(live_server.url + f"/labeling/review/{item.pk}/")
    page.keyboard.press("?")
    page.locator("#shortcuts-dialog .shortcut-list kbd").first.wait_for()
    hints = page.locator("kbd:visible")
    assert hints.count() >= 10
    for i in range(hints.count()):
        ratio = hints.nth(i).evaluate(CONTRAST)
        assert ratio >= 4.5, (hints.nth(i).inner_text(), ratio)
