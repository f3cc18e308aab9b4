"""Connectors: one package per remote system over a shared resilient HTTP client and sync state.

`connectors.http` is the only place that retries, paces and classifies HTTP failures;
`connectors.state` is the durable sync state; every `connectors.<system>` package has the same
files (`client.py`, `resources.py`, `models.py`, `settings.py`).
"""
