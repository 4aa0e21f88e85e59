"""Domain errors. Each business failure is one class carrying the HTTP status it maps to;
``flashpanel.api.errors`` turns every one of them into the same JSON envelope."""

from __future__ import annotations


class FlashpanelError(Exception):
    status_code = 500
    message = "Internal server error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class BadRequest(FlashpanelError):
    """A parameter is missing, of the wrong type, or the body is malformed."""

    status_code = 400
    message = "Bad request"


class InvalidApiKey(FlashpanelError):
    status_code = 401
    message = "Invalid API key"


class NotFound(FlashpanelError):
    status_code = 404
    message = "Not found"


class PayloadTooLarge(FlashpanelError):
    """A request body longer than ``FLASHPANEL_MAX_BODY_BYTES``."""

    status_code = 413
    message = "Request body too large"


class RuleViolation(FlashpanelError):
    """Well-formed input that fails a business rule (unknown service, quantity out of range...)."""

    status_code = 422
    message = "Validation failed"


class RateLimited(FlashpanelError):
    status_code = 429
    message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InsufficientBalance(BadRequest):
    message = "Insufficient balance"


class MissingParameter(BadRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"Missing required parameter: {name}")


class InvalidParameter(BadRequest):
    def __init__(self, name: str, expected: str) -> None:
        super().__init__(f"Invalid parameter '{name}': must be {expected}")


class IllegalTransition(RuleViolation):
    """A move a state machine's table does not allow (SMM orders, refills, OTP orders: each line's
    ``lifecycle`` module holds its table). Reaching it is a caller's mistake, never a race: a race is
    lost quietly by the conditional UPDATE instead."""

    def __init__(self, current: str, target: str, *, subject: str = "An order") -> None:
        super().__init__(f"{subject} cannot go from {current} to {target}")
