"""Outgoing email: through SMTP when ``FLASHPANEL_SMTP_HOST`` is set, otherwise into the server log.

Sending runs on a thread (smtplib blocks) and never inside a unit of work."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from flashpanel.config import Settings

log = logging.getLogger("flashpanel.mail")


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, email: Email) -> None: ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.settings = settings

    async def send(self, email: Email) -> None:
        await asyncio.to_thread(self._send, email)

    def _send(self, email: Email) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        assert s.smtp_host
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(message)


class LogMailer:
    """No SMTP server configured: the operator reads the message in the server log."""

    async def send(self, email: Email) -> None:
        log.warning(
            "email not sent (FLASHPANEL_SMTP_HOST is not set) to %s: %s\n%s", email.to, email.subject, email.body
        )


def mailer_for(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else LogMailer()
