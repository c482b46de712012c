"""Alembic migrations of the store. HEAD_REVISION lets a process check the schema without importing alembic."""

HEAD_REVISION = "0011_automl"
