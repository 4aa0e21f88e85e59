from flashpanel.db.runner import Conn


def seed(conn: Conn) -> None:
    """Add this domain's demo catalog (idempotent)."""
