"""Alembic migrations of the state database (run through `connectors.state.schema`)."""
