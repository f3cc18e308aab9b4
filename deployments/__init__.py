"""How storebridge runs: the CLI, the webhook gateway, deployment wiring."""
