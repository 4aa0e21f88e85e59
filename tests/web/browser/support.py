"""Steps the browser journeys share, written as a customer does them: by label and by button name."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"
_names = itertools.count(1)


def new_username(stem: str) -> str:
    return f"{stem}-{next(_names)}"


def sign_up(page: Page, name: str, password: str = PASSWORD) -> str:
    """Sign up through the form; returns the API key the page shows once."""
    page.goto("/signup")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is ready")
    return page.get_by_label("API key").input_value()


def log_in(page: Page, login: str, password: str = PASSWORD) -> None:
    """Log in on the page shown, or on /login when another page is shown."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
