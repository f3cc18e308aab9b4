"""The registry: what each system offers, the capability matrix read from the specs, and the
errors that say what exists."""

from __future__ import annotations

import pytest

from flows import registry
from flows.registry import Kind, Role, SystemSpec, capability_matrix, matrix_markdown, pairs, spec
from flows.usecases import USE_CASES
from transforms.canonical import Entity


def test_the_matrix_is_read_from_the_specs() -> None:
    entities = list(dict.fromkeys(u.entity for u in USE_CASES.values()))
    rows = capability_matrix()
    assert [r["system"] for r in rows] == list(registry.SYSTEMS)
    for row in rows:
        s = spec(row["system"])
        assert row["kind"] == s.kind.value
        assert list(row)[2:] == [e.value for e in entities]
        for entity in entities:
            roles = [r.value for r in Role if (entity, r) in s.roles]
            assert row[entity.value] == (", ".join(roles) or "-")


def test_the_matrix_says_who_plays_what() -> None:
    rows = {
        r["system"]: r for r in capability_matrix([Entity.ORDER, Entity.CUSTOMER, Entity.REFUND])
    }
    assert rows["shift4shop"] == {
        "system": "shift4shop",
        "kind": "store",
        "order": "source",
        "customer": "source, target",
        "refund": "-",
    }
    assert rows["salesforce"]["kind"] == Kind.BACK_OFFICE.value
    assert rows["salesforce"]["order"] == "target"


def test_matrix_markdown_is_a_table_of_the_matrix() -> None:
    lines = matrix_markdown().splitlines()
    rows = capability_matrix()
    assert lines[0] == "| " + " | ".join(rows[0]) + " |"
    assert set(lines[1]) <= set("|-")
    assert len(lines) == 2 + len(rows)
    assert lines[2].startswith("| shift4shop | store | ")


def test_an_unknown_system_names_the_known_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown system 'nope'; known: "
        r"bigcommerce, dynamics365, sage300, salesforce, shift4shop",
    ):
        spec("nope")


def test_a_role_a_system_does_not_play_says_what_it_plays() -> None:
    with pytest.raises(ValueError, match="is not a target of orders") as err:
        spec("shift4shop").adapter(Entity.ORDER, Role.TARGET)
    message = str(err.value)
    assert message.startswith("shift4shop is not a target of orders (it is: ")
    assert "source of order" in message
    assert "target of customer" in message
    lonely = SystemSpec("lonely", "Lonely", Kind.STORE, "m:S", "m:E", 1, roles={})
    with pytest.raises(ValueError, match=r"\(it is: nothing\)"):
        lonely.adapter(Entity.PRODUCT, Role.SOURCE)


def test_every_declared_adapter_codec_and_hasher_loads() -> None:
    for s in registry.specs():
        for (entity, role), path in s.roles.items():
            adapter = s.adapter(entity, role)
            assert isinstance(adapter, type), path
            assert adapter.entity is entity, path  # type: ignore[attr-defined]
            assert adapter.system == s.slug, path  # type: ignore[attr-defined]
        for path in [*s.codecs.values(), *s.hashers.values()]:
            assert callable(registry.load(path)), path


def test_a_spec_must_be_the_one_it_is_registered_as(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.SYSTEMS, "impostor", "flows.systems.shift4shop:SPEC")
    spec.cache_clear()
    try:
        with pytest.raises(TypeError, match="is not the SystemSpec of 'impostor'"):
            spec("impostor")
    finally:
        spec.cache_clear()


def test_pairs_of_a_use_case() -> None:
    assert pairs(Entity.ORDER) == [
        ("shift4shop", "salesforce"),
        ("shift4shop", "dynamics365"),
        ("shift4shop", "sage300"),
        ("bigcommerce", "salesforce"),
        ("bigcommerce", "dynamics365"),
        ("bigcommerce", "sage300"),
    ]
    assert ("salesforce", "bigcommerce") in pairs(Entity.PRODUCT)
    assert ("dynamics365", "shift4shop") in pairs(Entity.PRODUCT)
    customers = pairs(Entity.CUSTOMER)
    assert ("sage300", "bigcommerce") in pairs(Entity.INVENTORY)
    assert len(customers) == 12  # both ways, every store with every back office
    assert ("shift4shop", "bigcommerce") not in customers  # never store to store
    assert ("salesforce", "dynamics365") not in customers  # nor back office to back office
    assert pairs(Entity.RETURN) == []
