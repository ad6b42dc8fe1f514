"""The browser-facing protections: CSRF on every form, the CSP and other headers, the session
cookie's flags, a new session id at sign-in, and the return path kept on this site."""

from __future__ import annotations

from ecovid_web.catalogue import CATALOGUES, FR
from ecovid_web.security import local_path
from ecovid_web.sessions import COOKIE
from fastapi.testclient import TestClient
from web_fakes import FakeGateway, csrf_of, sign_in


def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_nothing_is_posted(
        client: TestClient, gateway: FakeGateway) -> None:
    client.get("/login")
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post("/login", data={**data, "username": "a@example.org", "password": "bon mot de passe"})
        assert answer.status_code == 403
        assert FR["form.csrf"] in answer.text
    assert gateway.posted("/auth/token") == []


def test_a_token_from_another_session_is_refused(client: TestClient, gateway: FakeGateway) -> None:
    other = TestClient(client.app, base_url="http://127.0.0.1:8080")
    stolen = csrf_of(other.get("/login").text)
    client.get("/login")
    answer = client.post("/login", data={"csrf_token": stolen, "username": "a@example.org",
                                         "password": "bon mot de passe"})
    assert answer.status_code == 403 and gateway.posted("/auth/token") == []


def test_every_answer_carries_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/login", "/static/app.css", "/health/live", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_no_page_has_an_inline_script(client: TestClient) -> None:
    sign_in(client)
    for path in ("/login", "/monitoring?population=adults", "/alerts"):
        html = client.get(path).text
        assert "<script>" not in html and " on" + "click=" not in html
        assert '<script src="/static/vendor/htmx/htmx-2.0.11.min.js" defer></script>' in html
        # htmx told to add no <style> and to copy no style attribute when it swaps (the CSP refuses both)
        assert '"includeIndicatorStyles": false' in html
        assert '"attributesToSettle": ["class", "width", "height"]' in html


def test_the_session_cookie_is_httponly_samesite_strict_and_holds_no_token(
        client: TestClient, gateway: FakeGateway) -> None:
    first = client.get("/login").headers["set-cookie"]
    assert first.startswith(f"{COOKIE}=")
    assert "httponly" in first.lower() and "samesite=strict" in first.lower() and "path=/" in first.lower()
    before = client.cookies[COOKIE]
    sign_in(client)
    after = client.cookies[COOKIE]
    assert after != before  # a new id at sign-in: one seen before is worth nothing
    assert all(token not in after for token in gateway.valid_tokens)


def test_secure_cookies_when_asked(gateway: FakeGateway) -> None:
    from ecovid_web.app import create_app
    from ecovid_web.settings import Settings

    app = create_app(Settings(gateway_url="http://gateway.test", secure_cookie=True), transport=gateway.transport())
    assert "secure" in TestClient(app).get("/login").headers["set-cookie"].lower()


def test_the_return_path_stays_on_this_site() -> None:
    assert local_path("/patients/1?episode=2") == "/patients/1?episode=2"
    for elsewhere in ("//evil.example/x", "https://evil.example", "javascript:alert(1)", "/\\evil.example", ""):
        assert local_path(elsewhere) == "/"


def test_every_language_has_every_french_key() -> None:
    for language, texts in CATALOGUES.items():
        assert set(texts) == set(FR), language
