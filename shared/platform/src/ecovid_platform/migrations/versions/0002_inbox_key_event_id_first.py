"""The inbox keyed (event_id, consumer): "these ids, for this consumer" is an index lookup
whatever plan PostgreSQL cached (commit 9acc6dd). SQLite cannot alter a key: batch mode
copies the table into a new one.

Revision ID: platform_0002
"""

from alembic import op

revision = "platform_0002"
down_revision = "platform_0001"


def upgrade() -> None:
    _key("event_id", "consumer")


def downgrade() -> None:
    _key("consumer", "event_id")


def _key(*columns: str) -> None:
    # PostgreSQL names a table's key <table>_pkey; SQLite's key has no name, and batch mode
    # rebuilds the table with the new one.
    with op.batch_alter_table("consumer_inbox", recreate="auto") as batch:
        if op.get_bind().dialect.name == "postgresql":
            batch.drop_constraint("consumer_inbox_pkey", type_="primary")
        batch.create_primary_key("consumer_inbox_pkey", list(columns))
