"""Alembic revision scripts of the state database, loaded by Alembic from this folder."""
