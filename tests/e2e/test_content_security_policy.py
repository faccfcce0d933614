"""The strict Content-Security-Policy holds in a real browser: the key pages of every role, htmx,
the statistics charts, the calendar's stylesheet, the partner's page, the admin and Swagger UI
work with ``default-src 'self'`` and no ``unsafe-inline``, and Chromium reports no violation.

A violation shows up twice, and either fails the test: as a console error ("Refused to apply
inline style because it violates the following Content Security Policy directive ...") and as a
``securitypolicyviolation`` event, collected by a listener installed before any page script.
"""

from __future__ import annotations

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from kem.management.commands.seed_demo import DEMO_PASSWORD
from referrals.models import Referral, ReferralStatus
from referrals.policy import may_refer
from referrals.services import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


class Violations:
    """What the browser reported on a page: CSP violations and other console errors."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        if message.type == "error":
            self.console.append(message.text)

    def csp(self) -> list[str]:
        seen = [text for text in self.console if "Content Security Policy" in text]
        # A page in the middle of navigating has no window to ask; its console still counts.
        with contextlib.suppress(PlaywrightError):
            seen += self.page.evaluate("window.__cspViolations || []")
        return seen

    def assert_none(self, where: str) -> None:
        assert self.csp() == [], f"CSP violations on {where}: {self.csp()}"
        assert self.errors == [], f"script errors on {where}: {self.errors}"


@pytest.fixture
def watched(page):
    return Violations(page)


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.locator("section.panel").first.wait_for()


def visit(page, watched: Violations, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy, f"{url}: {policy!r}"
    page.wait_for_load_state("networkidle")
    watched.assert_none(url)


ROLE_PAGES = {
    "frontdesk.athens": ["home", "beneficiary-list", "beneficiary-register", "referral-list", "calendar"],
    "manager.athens": [
        "home",
        "staff-home",
        "import-list",
        "import-upload",
        "interpreter-list",
        "class-list",
    ],
    "social.athens": ["home", "case-list", "calendar", "interpreter-request-list"],
    "teacher.athens": ["home", "class-list", "teaching-today"],
    "analyst.athens": ["home", "statistics-dashboard", "statistics-breakdown", "statistics-esf"],
    "dpo.athens": ["home", "access-log"],
}


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_each_roles_key_pages_raise_no_violation(page, watched, demo, username):
    log_in(page, username)
    watched.assert_none("the log-in")

    for url_name in ROLE_PAGES[username]:
        visit(page, watched, reverse(url_name))


def test_the_watch_sees_a_violation(page, watched, demo):
    """The detector itself: an inline <style> and <script> added to a page are reported."""
    visit(page, watched, reverse("login"))

    page.evaluate(
        """() => {
          const style = document.createElement("style");
          style.textContent = "body { color: red; }";
          document.head.appendChild(style);
          const script = document.createElement("script");
          script.textContent = "window.__ran = true;";
          document.head.appendChild(script);
        }"""
    )
    page.wait_for_timeout(200)

    seen = " ".join(watched.csp())
    assert "style-src" in seen and "script-src" in seen
    assert page.evaluate("window.__ran === undefined")


def test_htmx_search_works_under_the_policy(page, watched, demo):
    log_in(page, "frontdesk.athens")
    page.goto(reverse("beneficiary-list"))

    with page.expect_response(lambda r: r.url.endswith(reverse("beneficiary-search"))):
        page.locator("input[name=q]").first.fill("Μαρ")
    page.wait_for_load_state("networkidle")

    watched.assert_none("the htmx search")


def test_the_calendar_stylesheet_applies(page, watched, demo):
    log_in(page, "social.athens")
    page.goto(reverse("calendar") + "?view=week")

    display = page.locator(".week").first.evaluate("el => getComputedStyle(el).display")

    assert display == "grid"
    watched.assert_none("the calendar")


def test_the_statistics_charts_draw(page, watched, demo):
    log_in(page, "manager.athens")
    page.goto(reverse("statistics-dashboard"))
    page.wait_for_load_state("networkidle")

    assert page.locator("canvas").count() > 0
    assert page.evaluate("typeof window.Chart") == "function"
    watched.assert_none("the statistics")


def test_the_public_pages_raise_no_violation(page, watched, demo):
    referral = Referral.objects.filter(status=ReferralStatus.SENT).first()
    assert referral is not None, "the demo has sent referrals"
    by = next(u for u in get_user_model().objects.order_by("username") if may_refer(u, referral.centre_id))
    link = links.partner_link_send(referral=referral, by=by)

    visit(page, watched, reverse("login"))
    visit(page, watched, reverse("certificate-verify"))
    visit(page, watched, reverse("certificate-verify") + "?code=ABCD-EFGH-JKMN")
    visit(page, watched, reverse("partner-referral", kwargs={"token": links.link_token(link)}))
    page.locator('[data-action="accept"]').first.wait_for()


def test_the_admin_raises_no_violation(page, watched, demo):
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.locator("#content").wait_for()
    watched.assert_none("the admin log-in")

    for url in ("/admin/", "/admin/auth/user/", "/admin/kem/centre/", "/admin/kem/centre/add/"):
        visit(page, watched, url)


def test_swagger_ui_works_under_its_own_policy(page, watched, demo):
    log_in(page, "manager.athens")

    response = page.goto(reverse("api-docs"))
    page.locator(".opblock").first.wait_for()

    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data:" in policy and "unsafe-inline" not in policy
    assert page.locator(".opblock").count() > 10
    watched.assert_none("Swagger UI")
