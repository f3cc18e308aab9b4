"""Salesforce org emulator of the storebridge sandbox (REST API v42.0–v62.0)."""

from __future__ import annotations

from sandbox.salesforce.emulator import SalesforceEmulator

__all__ = ["SalesforceEmulator"]
