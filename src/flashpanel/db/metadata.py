"""The one SQLAlchemy ``MetaData`` every domain's table definitions attach to.

Money columns are integer cents (``*_cents``); timestamps are UTC epoch seconds (``*_at``, float).
The raw SQL in each domain's queries uses these same names.
"""

from sqlalchemy import MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
