import logging

from flashpanel.api.logging import RedactKeys, redact


def test_key_query_values_are_redacted() -> None:
    assert redact("GET /api/v1/balance?key=abc123&x=1") == "GET /api/v1/balance?key=[redacted]&x=1"
    assert redact("/api/v2?action=balance&key=s3cr3t") == "/api/v2?action=balance&key=[redacted]"


def test_password_reset_tokens_are_redacted_from_paths() -> None:
    assert redact('"GET /reset/Abc-123_x HTTP/1.1" 200') == '"GET /reset/[redacted] HTTP/1.1" 200'
    assert redact("POST /reset/Abc-123_x?x=1") == "POST /reset/[redacted]?x=1"


def test_access_log_record_arguments_are_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/api/v1/balance?key=topsecret", "1.1", 200),
        None,
    )
    RedactKeys().filter(record)
    assert "topsecret" not in record.getMessage()
