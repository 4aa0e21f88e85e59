from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn


def seed(conn: Conn, *, secrets: SecretBox) -> None:
    """Add this domain's demo catalog and stock (idempotent)."""
