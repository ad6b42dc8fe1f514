"""Revision scripts (alembic loads every module but this one)."""
