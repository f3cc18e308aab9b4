"""Sandbox constants of the emulated Dynamics 365 environment and its Entra tenant.

Not secrets: they only open the local emulator. The certificate for the assertion flow is
generated per sandbox workdir (`Dynamics365Emulator.prepare`, like the Salesforce connected
app's key pair).
"""

from __future__ import annotations

TENANT_ID = "7a1c5e0b-3f4d-4e2a-9b6c-5d8e0f1a2b3c"
CLIENT_ID = "c0ffee00-5b1d-4e3a-8f2c-0d365000a991"
CLIENT_SECRET = "storebridge-sandbox-d365-client-secret"
API_VERSION = "v9.2"
API_PATH = f"/api/data/{API_VERSION}"
PRICE_LEVEL = "Storebridge Web"
CURRENCY = "USD"
