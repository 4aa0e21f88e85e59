"""The back office's templates (``admin/*.html``), on the same Jinja2 environment as the customer panel's."""

from pathlib import Path

ADMIN_TEMPLATES = Path(__file__).parent
