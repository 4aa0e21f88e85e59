"""Keep secrets out of logs: the ``key`` query value and the token of a password-reset link
(``/reset/<token>``) are redacted from uvicorn's access log lines."""

from __future__ import annotations

import logging
import re

_KEY_IN_QUERY = re.compile(r"([?&](?:key|api_key)=)[^&\s]*", re.IGNORECASE)
_RESET_TOKEN = re.compile(r"(/reset/)[^\s?\"]+")


def redact(text: str) -> str:
    return _RESET_TOKEN.sub(r"\1[redacted]", _KEY_IN_QUERY.sub(r"\1[redacted]", text))


class RedactKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "flashpanel"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
