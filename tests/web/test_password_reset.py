"""Forgotten passwords: a link by SMTP when configured, in the server log otherwise; single use."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from email import message_from_bytes

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from flashpanel.config import Settings
from tests.e2e.support import free_port
from tests.web.support import PASSWORD, log_in, panel_client, post_form, sign_up

NEW_PASSWORD = "a brand new passphrase"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content or b""
        self.messages.append((list(envelope.rcpt_tos), content if isinstance(content, bytes) else content.encode()))
        return "250 OK"


async def _reset_through(client: httpx.AsyncClient, link: str) -> None:
    path = link.removeprefix("https://panel.example")
    form = await client.get(path)
    assert form.status_code == 200 and "<h1>Choose a new password</h1>" in form.text
    done = await post_form(client, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, page=path)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert "Your password has been changed" in (await client.get("/login")).text
    assert (await log_in(client, "uma", NEW_PASSWORD)).status_code == 303
    again = await client.get(path)  # the link worked once
    assert again.status_code == 400 and "invalid, used or expired" in again.text


async def test_a_reset_link_is_emailed_through_smtp_and_works_once(settings: Settings) -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with panel_client(
            settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_from="panel@example.com",
            public_url="https://panel.example", base_url="https://panel.example",
        ) as client:
            await sign_up(client, "uma")
            await client.post("/logout", data={"_csrf_token": client.cookies["fp_csrf"]})
            page = await post_form(client, "/forgot", {"login": "uma@example.com"}, page="/forgot")
            assert page.status_code == 200 and "If an account matches" in page.text
            assert len(inbox.messages) == 1
            recipients, raw = inbox.messages[0]
            message = message_from_bytes(raw)
            assert recipients == ["uma@example.com"] and message["From"] == "panel@example.com"
            payload = message.get_payload(decode=True)
            assert isinstance(payload, bytes)
            body = payload.decode()
            link = re.search(r"https://panel\.example/reset/\S+", body)
            assert link, body
            await _reset_through(client, link.group(0))
    finally:
        controller.stop()


@pytest.fixture
def server_log() -> Iterator[list[str]]:
    """What flashpanel logs, as the server log shows it (the app's logging set-up replaces pytest's)."""
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]  # a stub
    logger = logging.getLogger("flashpanel")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_without_smtp_the_reset_link_goes_to_the_server_log(settings: Settings, server_log: list[str]) -> None:
    async with panel_client(settings, public_url="https://panel.example", base_url="https://panel.example") as client:
        await sign_up(client, "uma")
        await client.post("/logout", data={"_csrf_token": client.cookies["fp_csrf"]})
        page = await post_form(client, "/forgot", {"login": "UMA"}, page="/forgot")
        assert "If an account matches" in page.text
        link = re.search(r"https://panel\.example/reset/\S+", "\n".join(server_log))
        assert link, server_log
        await _reset_through(client, link.group(0))


async def test_an_unknown_account_gets_the_same_answer_and_no_link(
    client: httpx.AsyncClient, server_log: list[str]
) -> None:
    page = await post_form(client, "/forgot", {"login": "nobody@example.com"}, page="/forgot")
    assert page.status_code == 200 and "If an account matches" in page.text
    assert server_log and not any("/reset/" in line for line in server_log)


async def test_reset_requests_are_limited_per_account(client: httpx.AsyncClient) -> None:
    await sign_up(client, "vera")
    for _ in range(5):
        assert (await post_form(client, "/forgot", {"login": "vera"}, page="/forgot")).status_code == 200
    refused = await post_form(client, "/forgot", {"login": "vera"}, page="/forgot")
    assert refused.status_code == 429 and "Too many attempts" in refused.text


async def test_a_made_up_reset_link_shows_how_to_get_a_new_one(client: httpx.AsyncClient) -> None:
    page = await client.get("/reset/not-a-real-token")
    assert page.status_code == 400 and 'href="/forgot"' in page.text
    assert PASSWORD not in page.text
