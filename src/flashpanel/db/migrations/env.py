"""Alembic environment: run programmatically by ``flashpanel.db.migrate.upgrade``."""

from alembic import context
from sqlalchemy import create_engine, pool

from flashpanel.db.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "flashpanel.db.migrate sets sqlalchemy.url"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # render_as_batch lets ALTER-style migrations run on SQLite too.
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
