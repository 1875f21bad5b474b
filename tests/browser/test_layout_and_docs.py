"""The navigation keeps to one line on a laptop (1366 px) and wraps without clipping on a
phone (390 px); the API docs render offline from vendored files under the site's CSP."""

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from tests.browser.test_protocol_editing import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def director():
    clinic = Clinic.objects.create(name="A Clinic With A Rather Long Name Indeed")
    user = User.objects.create_user(
        "md@layout.clinic", PASSWORD, full_name="Dr Maximiliana Featherstonehaugh-Smythe"
    )
    Membership.objects.create(user=user, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    return user


NAV_ROWS = """() => {
  const tops = [...document.querySelectorAll('.topbar nav li')].map(li => li.offsetTop);
  return new Set(tops).size;
}"""
# Rows of the header: its children are centred, so one row means the bar is no taller than
# its tallest child plus the bar's own padding.
HEADER_ROWS = """() => {
  const bar = document.querySelector('.topbar');
  const style = getComputedStyle(bar);
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  const tallest = Math.max(...[...bar.children].map(el => el.getBoundingClientRect().height));
  return Math.round(bar.getBoundingClientRect().height / (tallest + padding));
}"""
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = [...document.querySelectorAll('.topbar a, .topbar button')]
    .filter(el => el.getBoundingClientRect().right > width + 1).map(el => el.textContent.trim());
  return {scroll: document.documentElement.scrollWidth - width, clipped};
}"""


def test_navigation_fits_a_laptop_and_a_phone(page, sign_in, director):
    sign_in(director.email, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/protocols/")
    assert page.locator(".topbar nav li").count() >= 7
    # Room for count badges on a few items (alerts, to sign, floor).
    page.evaluate(
        """() => [...document.querySelectorAll('.topbar nav a')].slice(0, 3).forEach(a => {
             const badge = document.createElement('span');
             badge.className = 'badge'; badge.textContent = '12'; a.append(' ', badge); })"""
    )
    assert page.evaluate(NAV_ROWS) == 1
    assert page.evaluate(HEADER_ROWS) == 1
    assert page.evaluate(OVERFLOW) == {"scroll": 0, "clipped": []}
    screenshot(page, "navigation-1366", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/protocols/")
    assert page.evaluate(OVERFLOW) == {"scroll": 0, "clipped": []}
    expect(page.get_by_role("link", name="Audit trail")).to_be_visible()
    screenshot(page, "navigation-390", full_page=False)


def test_api_docs_render_offline(page, live_server):
    outside = []

    def only_local(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_local)
    page.goto("/api/v1/docs")
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("ketamine-care API")
    assert outside == []
