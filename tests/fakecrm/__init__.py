"""A fake back office, added the way a real system is: its own package and one registry line.

It plays one role (the target of orders) and keeps what it receives in memory (`LOADED`), so the
tests can add a second back office to the Shift4Shop store without touching any shared file:
`registry.SYSTEMS["fakecrm"] = "tests.fakecrm:SPEC"` is the whole integration.
"""

from __future__ import annotations

from flows.registry import Kind, Role, SystemSpec
from transforms.canonical import Entity

SPEC = SystemSpec(
    slug="fakecrm",
    title="Fake CRM",
    kind=Kind.BACK_OFFICE,
    settings="tests.fakecrm.target:FakeSettings",
    emulator="tests.fakecrm.target:NoEmulator",
    sandbox_port=8499,
    roles={(Entity.ORDER, Role.TARGET): "tests.fakecrm.target:FakeOrderTarget"},
    batch_max={Entity.ORDER: 50},
)
