"""Account journeys in a real browser: register → mail → confirm, sign in and out, reset a password; axe throughout."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import RESET_ACCOUNTS, RESIDENT_EMAIL, LiveServer
from tests.browser.helpers import LOCALES, assert_accessible, html_attrs, link_in, open_menu, path_of, signed_in_header


def fresh_address(locale: str) -> str:
    return f"browser-{locale}-{uuid.uuid4().hex[:10]}@example.org"


def sign_in(page, locale: str, email: str, password: str) -> None:
    page.goto(f"/{locale}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("locale", LOCALES)
def test_account_forms_are_accessible(tab, live: LiveServer, locale: str) -> None:
    for path in ("/register", "/login", "/reset"):
        response = tab.goto(f"/{locale}{path}")
        assert response is not None and response.status == 200, path
        assert html_attrs(tab)[0] == locale
        # Every visible field has a label the browser ties to it.
        for field in tab.locator("main form input:not([type=hidden]), main form select").all():
            field_id = field.get_attribute("id")
            assert field_id and tab.locator(f"label[for='{field_id}']").count() == 1, f"{path}: {field_id} unlabelled"
        assert_accessible(tab, f"{path} ({locale})")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_register_confirm_sign_in_and_out(tab, live: LiveServer, locale: str) -> None:
    address = fresh_address(locale)
    password = "a long enough password " + locale
    tab.goto(f"/{locale}/")
    open_menu(tab)
    tab.locator(f"header a[href='/{locale}/register']").click()
    tab.wait_for_url(f"**/{locale}/register")
    tab.locator("#display_name").fill(f"Browser {locale}")
    tab.locator("#email").fill(address)
    tab.locator("#password").fill(password)
    tab.locator("#password_confirm").fill(password)
    tab.locator("#terms").check()
    before = len(live.mailbox.to(address))
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(f"**/{locale}/register/sent")
    assert html_attrs(tab)[0] == locale
    assert tab.locator("h1").inner_text().strip()
    assert_accessible(tab, f"check your mail ({locale})")

    mail = live.mailbox.wait_for(address, after=before)
    link = link_in(mail, "/confirm/")
    assert link.startswith(live.base_url + f"/{locale}/confirm/"), link
    response = tab.goto(link)
    assert response is not None and response.status == 200
    assert html_attrs(tab)[0] == locale
    assert address in tab.locator("main").inner_text()
    assert_accessible(tab, f"address confirmed ({locale})")
    # The link works once.
    again = tab.goto(link)
    assert again is not None and again.status == 400
    assert_accessible(tab, f"link used ({locale})")

    sign_in(tab, locale, address, password)
    tab.wait_for_url(f"{live.base_url}/{locale}/")
    assert signed_in_header(tab)
    assert tab.locator(f"header a[href='/{locale}/account']").count() == 1
    assert_accessible(tab, f"home signed in ({locale})")

    open_menu(tab)
    tab.locator("header form[action$='/logout'] button").click()
    tab.wait_for_url(f"**/{locale}/?notice=signed_out")
    assert not signed_in_header(tab)
    assert tab.locator("main .notice[role=status]").count() == 1
    assert_accessible(tab, f"signed out ({locale})")
    # Signed out for real: the account page now asks to sign in.
    tab.goto(f"/{locale}/account")
    assert path_of(tab.url).startswith(f"/{locale}/login")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_wrong_password_is_refused_accessibly(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/login")
    tab.locator("#email").fill(RESIDENT_EMAIL)
    tab.locator("#password").fill("not the password at all")
    with tab.expect_response(lambda r: r.request.method == "POST") as posted:
        tab.locator("main form button[type=submit]").click()
    assert posted.value.status == 401
    assert not signed_in_header(tab)
    assert tab.locator(".error-summary[role=alert]").count() == 1
    # The address stays filled in, the password does not.
    assert tab.locator("#email").input_value() == RESIDENT_EMAIL
    assert tab.locator("#password").input_value() == ""
    assert_accessible(tab, f"login refused ({locale})")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_register_errors_are_announced_and_linked(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/register")
    tab.locator("#email").fill("not-an-address")
    with tab.expect_response(lambda r: r.request.method == "POST") as posted:
        tab.locator("main form button[type=submit]").click()
    assert posted.value.status == 422
    summary = tab.locator(".error-summary")
    assert summary.count() == 1
    links = summary.locator("a")
    assert links.count() >= 3  # name, address, password, terms
    for target in links.evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        field = tab.locator(target)
        assert field.count() == 1, target
        assert field.get_attribute("aria-invalid") == "true", target
    # Following an error link puts the cursor in the field.
    links.first.click()
    first_target = links.first.get_attribute("href")
    assert tab.evaluate("() => '#' + document.activeElement.id") == first_target
    assert_accessible(tab, f"register errors ({locale})")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_password_reset(tab, live: LiveServer, locale: str) -> None:
    address = RESET_ACCOUNTS[locale]
    new_password = f"a brand new password {locale}"
    tab.goto(f"/{locale}/login")
    tab.locator("main a[href$='/reset']").click()
    tab.wait_for_url(f"**/{locale}/reset")
    tab.locator("#email").fill(address)
    before = len(live.mailbox.to(address))
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(f"**/{locale}/reset/sent")
    assert_accessible(tab, f"reset mail sent ({locale})")

    # The mail speaks the account's language (the one it chose), and so does its link.
    link = link_in(live.mailbox.wait_for(address, after=before), "/reset/")
    assert link.startswith(f"{live.base_url}/{locale}/reset/"), link
    tab.goto(link)
    assert_accessible(tab, f"choose a new password ({locale})")
    tab.locator("#password").fill(new_password)
    tab.locator("#password_confirm").fill(new_password)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(f"**/{locale}/account?notice=password_reset")
    assert signed_in_header(tab)
    assert_accessible(tab, f"account after reset ({locale})")
    # A mail tells the owner; the old password no longer works and the new one does.
    live.mailbox.wait_for(address, after=before + 1)
    open_menu(tab)
    tab.locator("header form[action$='/logout'] button").click()
    tab.wait_for_url(f"**/{locale}/?notice=signed_out")
    sign_in(tab, locale, address, live.password)
    assert not signed_in_header(tab)
    sign_in(tab, locale, address, new_password)
    tab.wait_for_url(f"{live.base_url}/{locale}/")
    assert signed_in_header(tab)
