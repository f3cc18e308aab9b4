"""The mapping studio: field catalogues, checks, previews and scored suggestions for mappings.

Pure code (no I/O beyond reading the package's own YAML): `catalogue` (what each system's
objects hold), `kinds` (the type a mapping expression yields), `check` (a mapping against its
target's catalogue), `suggest` (scored suggestions for unmapped fields), `patterns` (what sample
values look like), `edit` (adding fields to a mapping's text), `preview` (mapped payloads and
what the target would reject), `shipped` (which mapping serves which system, entity and
direction). `generate` rebuilds the committed catalogues from the emulators and the specs; the
CLI is `storebridge map` (deployments/cli_map.py).
"""
