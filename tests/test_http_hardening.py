"""HTTP hardening: Content-Security-Policy, Permissions-Policy, no-store, cookie flags, the API's
401, the schema behind log-in in production, trusted proxies and malformed headers."""

from __future__ import annotations

import json
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from kem.middleware import safe_request_id
from kem.models import AccessEvent, Role
from kem.services.access_log import access_record, client_ip
from tests.test_settings_env import production_env, run_django

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


# --- Content-Security-Policy and Permissions-Policy ------------------------------------------


@pytest.mark.parametrize("url_name", ["login", "home", "certificate-verify"])
def test_every_page_has_a_strict_content_security_policy(client, manager, url_name):
    if url_name == "home":
        client.force_login(manager)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_the_api_and_the_partner_page_carry_the_policy_too(client, manager):
    api = APIClient()
    api.force_authenticate(manager)

    assert directives(api.get(reverse("api:centre-list")))["default-src"] == ["'self'"]
    assert directives(client.get("/p/r/not-a-token/"))["default-src"] == ["'self'"]


def test_no_template_has_inline_script_style_or_event_handlers():
    """The policy forbids them; a template that brought one back would break in the browser."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for folder in ("kem", "cases", "courses", "referrals", "reports", "partners", "config")
        for path in (root / folder).rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


def test_permissions_policy_turns_off_browser_features_no_page_uses(client):
    header = client.get(reverse("login"))["Permissions-Policy"]

    features = dict(item.strip().split("=") for item in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


# --- Cache-Control: no-store ----------------------------------------------------------------


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_authenticated_pages_are_never_stored(client, officer):
    client.force_login(officer)

    assert no_store(client.get(reverse("home")))
    assert no_store(client.get(reverse("beneficiary-list")))


def test_api_answers_are_never_stored_even_errors(manager):
    api = APIClient()
    assert no_store(api.get(reverse("api:centre-list")))  # the 401
    api.force_authenticate(manager)

    assert no_store(api.get(reverse("api:centre-list")))
    assert no_store(api.get(reverse("api:centre-detail", args=[987654])))


def test_the_access_log_csv_is_never_stored(client, make_staff, athens):
    client.force_login(make_staff(Role.DPO, athens))

    response = client.get(reverse("access-log-export"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert no_store(response)


def test_static_files_keep_their_cache_lifetime(client):
    response = client.get("/static/kem/kem.css")

    assert response.status_code == 200
    assert not no_store(response)


# --- cookies ---------------------------------------------------------------------------------


def test_every_cookie_is_httponly_and_samesite_lax(client, manager):
    """Session, CSRF, language and messages: what a log-in, a language switch and a message set."""
    client.get(reverse("login"))  # the CSRF cookie
    client.post(reverse("login"), {"username": manager.username, "password": "wrong"})
    manager.set_password("a long enough password 2026")
    manager.save()
    client.post(reverse("login"), {"username": manager.username, "password": "a long enough password 2026"})
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    names = set(client.cookies)
    assert {"sessionid", "csrftoken", "django_language"} <= names
    for name in names:
        morsel = client.cookies[name]
        assert morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name


def test_production_cookies_are_secure_httponly_and_lax():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) for n in ["
        "'SESSION_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE',"
        "'CSRF_COOKIE_SECURE','CSRF_COOKIE_HTTPONLY','CSRF_COOKIE_SAMESITE',"
        "'LANGUAGE_COOKIE_SECURE','LANGUAGE_COOKIE_HTTPONLY','LANGUAGE_COOKIE_SAMESITE',"
        "'SESSION_COOKIE_NAME','CSRF_COOKIE_NAME','LANGUAGE_COOKIE_NAME',"
        "'SESSION_COOKIE_DOMAIN','CSRF_COOKIE_DOMAIN','LANGUAGE_COOKIE_DOMAIN',"
        "'SESSION_COOKIE_PATH','CSRF_COOKIE_PATH','LANGUAGE_COOKIE_PATH',"
        "'KEM_API_DOCS_STAFF_ONLY']}))"
    )
    result = run_django(["shell", "-c", script], production_env())

    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert flags[f"{cookie}_COOKIE_SECURE"] is True
        assert flags[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert flags[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
        # The __Host- prefix: the browser refuses it unless Secure, Path=/ and without Domain.
        assert flags[f"{cookie}_COOKIE_NAME"].startswith("__Host-")
        assert flags[f"{cookie}_COOKIE_DOMAIN"] is None
        assert flags[f"{cookie}_COOKIE_PATH"] == "/"
    assert flags["KEM_API_DOCS_STAFF_ONLY"] is True


def test_a_secure_cookie_setting_reaches_the_set_cookie_header(client, manager, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True

    client.get(reverse("login"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(manager)

    for name in ("csrftoken", "django_language", "sessionid"):
        assert client.cookies[name]["secure"], name


# --- the API: 401 with a challenge -----------------------------------------------------------


def test_an_unauthenticated_api_call_is_401_with_www_authenticate():
    response = APIClient().get(reverse("api:centre-list"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response["Content-Type"].startswith("application/json")


def test_an_authenticated_caller_without_the_right_still_gets_403(make_staff, athens):
    api = APIClient()
    api.force_authenticate(make_staff(Role.TEACHER, athens))

    assert api.get(reverse("api:beneficiary-list")).status_code == 403


def test_a_session_without_csrf_on_an_unsafe_call_is_still_refused(client, officer):
    client.force_login(officer)
    strict = type(client)(enforce_csrf_checks=True)
    strict.cookies = client.cookies

    response = strict.post(reverse("api:beneficiary-search"), {"q": "Μαρία"}, content_type="application/json")

    assert response.status_code == 403


# --- the schema and docs: staff only in production -------------------------------------------


@pytest.fixture
def staff_only(settings):
    settings.KEM_API_DOCS_STAFF_ONLY = True


def test_in_production_anonymous_callers_get_no_schema(client, staff_only):
    schema = client.get(reverse("api-schema"))
    docs = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs"), {"script": ""})

    assert schema.status_code == 401
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert script.status_code == 302


def test_in_production_staff_who_are_not_admins_get_403(client, manager, staff_only):
    client.force_login(manager)

    assert client.get(reverse("api-schema")).status_code == 403
    assert client.get(reverse("api-docs")).status_code == 403


def test_in_production_staff_read_the_schema_and_docs(client, manager, staff_only):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    schema = client.get(reverse("api-schema"), {"format": "json"})
    docs = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs"), {"script": ""})

    assert schema.status_code == 200 and "/api/v1/centres/" in schema.json()["paths"]
    assert docs.status_code == 200 and "swagger-ui" in docs.content.decode()
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_the_docs_page_needs_no_inline_code_and_only_data_images(client, manager):
    client.force_login(manager)

    response = client.get(reverse("api-docs"))

    html = response.content.decode()
    assert "<style" not in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


# --- the client's address: only trusted proxies' X-Forwarded-For ------------------------------


def request_from(peer: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_with_no_trusted_proxy_the_peer_is_the_client(settings):
    settings.KEM_TRUSTED_PROXIES = []

    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_trusted_proxys_last_hop_is_the_client(settings):
    settings.KEM_TRUSTED_PROXIES = ["10.0.0.0/8"]

    # The client claimed 1.1.1.1; the proxy appended what it saw.
    assert client_ip(request_from("10.0.0.2", "1.1.1.1, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request_from("10.0.0.2", "198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_ip(request_from("10.0.0.2", "10.9.9.9, 10.1.2.3")) == "10.9.9.9"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"


def test_an_untrusted_peer_cannot_choose_its_address(settings):
    settings.KEM_TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request_from("203.0.113.9", "10.0.0.5, 1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(
    "forwarded", ["not-an-ip", "", ",,,", "1.2.3.4:80", "[::1]", "\x00", "999.1.1.1", "a" * 5000]
)
def test_a_malformed_forwarded_header_is_ignored(settings, forwarded):
    settings.KEM_TRUSTED_PROXIES = ["127.0.0.1"]

    assert client_ip(request_from("127.0.0.1", forwarded)) == "127.0.0.1"


def test_ipv6_proxies_and_mapped_addresses(settings):
    settings.KEM_TRUSTED_PROXIES = ["2001:db8::/32"]

    assert client_ip(request_from("2001:db8::1", "2001:db8:ffff::9, 2a00:1450::5")) == "2a00:1450::5"
    assert client_ip(request_from("::ffff:203.0.113.4")) == "203.0.113.4"


def test_a_peer_that_is_not_an_address_gives_none(settings):
    assert client_ip(request_from("")) is None
    assert client_ip(request_from("unix:/run/gunicorn.sock")) is None


def test_the_access_log_records_the_address_client_ip_gives(settings, officer, athens):
    settings.KEM_TRUSTED_PROXIES = []
    request = request_from("203.0.113.9", "6.6.6.6")

    event = access_record(user=officer, action="kem.beneficiary.viewed", centre=athens, request=request)

    assert AccessEvent.objects.get(pk=event.pk).ip == "203.0.113.9"


def test_a_malformed_trusted_proxy_setting_stops_the_start_naming_it():
    result = run_django(["check"], production_env(KEM_TRUSTED_PROXIES="10.0.0.0/8,proxy.local"))

    assert result.returncode != 0
    assert "KEM_TRUSTED_PROXIES" in result.stderr and "proxy.local" in result.stderr


# --- malformed headers: ignored or 400, never 500 -------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_FORWARDED_FOR": "not-an-ip"},
        {"HTTP_X_FORWARDED_FOR": "1.2.3.4, <script>"},
        {"HTTP_X_REQUEST_ID": "=1+1"},
        {"HTTP_X_REQUEST_ID": "x" * 10000},
        {"HTTP_ACCEPT_LANGUAGE": "\x00;q=zz"},
        {"HTTP_COOKIE": "sessionid=\x00; django_language=xx"},
        {"HTTP_X_FORWARDED_PROTO": "gopher"},
    ],
)
def test_malformed_headers_are_ignored_on_the_public_pages(client, settings, headers):
    settings.KEM_TRUSTED_PROXIES = ["127.0.0.1"]

    assert client.get(reverse("certificate-verify"), **headers).status_code == 200
    assert client.get(reverse("login"), **headers).status_code == 200
    assert client.get("/p/r/not-a-token/", **headers).status_code == 404


@pytest.mark.parametrize("host", ["evil.example", "kem.example.gr:notaport", "a b", "[::1"])
def test_a_bad_host_header_is_a_400(client, host):
    assert client.get(reverse("login"), HTTP_HOST=host).status_code == 400


def test_a_multipart_body_without_a_boundary_is_a_400(client):
    response = client.generic(
        "POST", reverse("login"), b"--x\r\n", content_type="multipart/form-data; boundary="
    )

    assert response.status_code == 400


# --- X-Request-ID ------------------------------------------------------------------------------


@pytest.mark.parametrize("incoming", ["3f2a9c1e-77aa-4d1b-9f00-2a1b3c4d5e6f", "abcdef12", "A" * 64])
def test_a_safe_request_id_is_echoed(client, incoming):
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "-1+2-3-4",
        "=cmd|' /C calc'!A0",
        "abcdefgh\n",
        "abc",
        "A" * 65,
        "abcdefgh ijk",
        "αβγδεζηθ",
        "ab_cd.efgh",
    ],
)
def test_an_unsafe_request_id_is_replaced(client, incoming):
    echoed = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]

    assert echoed != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert safe_request_id(incoming) is None


def test_the_access_log_keeps_only_the_safe_request_id(client, make_staff, athens):
    client.force_login(make_staff(Role.DPO, athens))

    response = client.get(reverse("access-log-export"), HTTP_X_REQUEST_ID="-1+2-3-4")
    b"".join(response.streaming_content)

    event = AccessEvent.objects.get(action="kem.access_log.exported")
    assert event.request_id == response["X-Request-ID"] != "-1+2-3-4"


# --- Favicon -----------------------------------------------------------------------------------


def test_pages_link_a_same_origin_favicon_that_exists(client):
    from django.contrib.staticfiles import finders

    response = client.get(reverse("login"))

    link = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', response.content.decode())
    assert link and link.group(1).startswith("/") and link.group(1).endswith("favicon.svg")
    assert finders.find("kem/favicon.svg")
