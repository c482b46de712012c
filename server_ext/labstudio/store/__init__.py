"""The store: SQLAlchemy Core over SQLite (WAL) or any URL; returns plain entities."""
from .db import Database, get_database

__all__ = ["Database", "get_database"]
