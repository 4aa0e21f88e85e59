from flashpanel.db.runner import Conn, Database, Row, open_database

__all__ = ["Conn", "Database", "Row", "open_database"]
