"""The system adapters: one package per system, each with its `SPEC` (see `flows.registry`)."""
