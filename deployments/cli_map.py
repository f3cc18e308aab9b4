"""`storebridge map check|preview|suggest|catalogues`: the mapping studio on the command line.

* `check [NAME|FILE ...]` validates mappings (default: every shipped one) against the target's
  field catalogue; findings name the file, the line and the field; exit 1 on errors.
* `preview --source S --target T --entity E` reads real records through the source connector
  (or `--file` raw payloads), decodes and maps them, and prints each mapped payload beside its
  sources with the fields the target would reject and why. Personal data is masked unless
  `--show-personal` is given (this is the one command that shows it, on purpose).
* `suggest --source S --target T --entity E` scores (0–1) suggestions for the unmapped fields
  of the pair's mappings, with reasons; `--write` adds the accepted ones to the YAML (a
  reviewable diff; comments and order kept).
* `catalogues` compares the committed field catalogues with the emulators (`--write --specs`
  regenerates them from the emulators and the official specs).

The pure parts are in `transforms/studio/`; this module reads records and prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

map_app = typer.Typer(
    help="The mapping studio: check mappings against field catalogues, preview mapped records, "
    "suggest unmapped fields.",
    no_args_is_help=True,
)
USE_CASE_OF = {
    "customer": "customers",
    "order": "order-to-cash",
    "fulfillment": "fulfilment",
    "product": "catalog",
    "inventory": "inventory",
}
LOOKBACK_DAYS = 400
PERSONAL_NOTE = "personal data masked (--show-personal shows it)"


# --- reading records -----------------------------------------------------------------------------
class _NoState:
    """The state a preview's source gets: a throw-away pseudonymisation key (guest ids differ
    from a real run's), nothing stored anywhere."""

    def __init__(self) -> None:
        from connectors.state.meta import Pseudonymiser

        self._key = Pseudonymiser(os.urandom(32))

    def pseudonymiser(self) -> Any:
        return self._key


def _entity(name: str) -> Any:
    from transforms.canonical import Entity

    try:
        return Entity(name)
    except ValueError:
        known = ", ".join(USE_CASE_OF)
        raise typer.BadParameter(f"unknown entity {name!r} (known: {known})") from None


def check_pair(source: str, target: str, entity: Any) -> None:
    """Refuse a pair no use case runs (two stores, a system that is no source or target).

    Raises:
        typer.BadParameter: saying why.
    """
    from flows.registry import Role, spec

    try:
        src, dst = spec(source), spec(target)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if src.kind is dst.kind:
        raise typer.BadParameter(f"{source} and {target} are both {src.kind.value}s: no pair")
    for system, role in ((src, Role.SOURCE), (dst, Role.TARGET)):
        if not system.plays(entity, role):
            raise typer.BadParameter(f"{system.slug} is no {role.value} of {entity.value}s")


@contextmanager
def open_source(system: str, entity: Any, peer: str) -> Iterator[Any]:
    """The source adapter of `system` for `entity`, configured from the environment."""
    from flows.ports import Context
    from flows.registry import Role, spec

    cls = spec(system).adapter(entity, Role.SOURCE)
    src = cls(Context(_NoState(), peer, USE_CASE_OF.get(entity.value, "map-preview")))
    try:
        yield src
    finally:
        src.close()


def _coerce(src: Any, raw: Any) -> Any:
    """A raw payload from a file as the type the source's `decode` reads (its pydantic model,
    a tuple)."""
    from pydantic import BaseModel

    try:
        hints = typing.get_type_hints(type(src).decode)
    except (NameError, TypeError):
        return raw
    wanted = hints.get("raw")
    if isinstance(wanted, type) and issubclass(wanted, BaseModel):
        return wanted.model_validate(raw)
    if typing.get_origin(wanted) is tuple and isinstance(raw, list):
        return tuple(raw)
    return raw


def read_records(
    system: str, entity: Any, n: int, *, peer: str = "map", file: Path | None = None
) -> tuple[list[Any], list[Any], list[str]]:
    """(raw records, their canonical records, why others were left out): `n` records read
    through the source connector (changed in the last 400 days), or the raw payloads of
    `file` (a JSON list, or `{"records": [...]}`), decoded by the source."""
    from connectors.clock import utcnow
    from flows.ports import DecodeError, Tombstone

    raws: list[Any] = []
    decoded: list[Any] = []
    skipped: list[str] = []
    with open_source(system, entity, peer) as src:
        if file is not None:
            data = json.loads(file.read_text(encoding="utf-8"))
            items = data.get("records", []) if isinstance(data, dict) else data
            pages: Any = [[_coerce(src, r) for r in items][:n]]
        else:
            pages = _pages(src, utcnow() - dt.timedelta(days=LOOKBACK_DAYS), utcnow())
        for page in pages:
            for raw in page:
                try:
                    record = src.decode(raw)
                except Tombstone as exc:
                    skipped.append(f"tombstone: {str(exc)[:120]}")
                    continue
                except (DecodeError, ValueError) as exc:
                    skipped.append(f"not decoded: {str(exc)[:160]}")
                    raws.append(raw)
                    decoded.append(None)
                    continue
                raws.append(raw)
                decoded.append(record)
                if len(raws) >= n:
                    return raws, decoded, skipped
            if len(raws) >= n:
                break
    return raws, decoded, skipped


def _pages(src: Any, since: dt.datetime, until: dt.datetime) -> Iterator[list[Any]]:
    cursor = None
    while True:
        page = src.read_changed(since, until, cursor)
        yield list(page.records)
        cursor = page.next
        if cursor is None:
            return


# --- check ---------------------------------------------------------------------------------------
def _check_target(item: str, model: str | None) -> Any:
    from transforms.studio.check import check

    path = Path(item)
    if item.endswith((".yaml", ".yml")) and path.exists():
        import yaml

        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        system = str(data.get("system", "custom")) if isinstance(data, dict) else "custom"
        return check(f"{system}/{path.stem}", text, file=str(path), model=model)
    return check(item, model=model)


@map_app.command("check")
def check_cmd(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="shipped mappings (salesforce/account) or YAML files; default: all"),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="the canonical model a mapping file not shipped reads (Customer, ...)"),
    ] = None,
    warnings: Annotated[bool, typer.Option(help="print warnings too")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Validate mappings against the target's field catalogue: unknown fields, types, lengths,
    picklist values, required fields on create, create-only fields on update. Each finding
    names file:line and the field; exit 1 when there are errors (known findings of shipped
    mappings are listed with their explanation and do not fail)."""
    from transforms.studio import shipped

    items = names or shipped.mapping_names()
    reports = [_check_target(i, model) for i in items]
    errors = sum(len(r.errors) for r in reports)
    if as_json:
        out = [
            {
                "mapping": r.mapping,
                "file": r.file,
                "target": r.target,
                "skipped": r.skipped,
                "findings": [f.__dict__ for f in r.findings],
            }
            for r in reports
        ]
        typer.echo(json.dumps(out, indent=2))
    else:
        for r in reports:
            if r.skipped:
                typer.echo(f"skip  {r.mapping}: {r.skipped}")
                continue
            status = "FAIL" if r.errors else "ok  "
            counts = f"{len(r.errors)} errors, {len(r.warnings)} warnings"
            if r.known:
                counts += f", {len(r.known)} known"
            typer.echo(f"{status}  {r.mapping} -> {r.target}: {counts}")
            for f in r.findings:
                if f.severity == "warning" and not warnings and not f.known:
                    continue
                typer.echo(f"      {f}")
        checked = sum(1 for r in reports if not r.skipped)
        typer.echo(f"{checked} mappings checked, {errors} errors")
    if errors:
        raise typer.Exit(1)


# --- preview -------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            return f"{value['amount']} {value['currency']}"
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _short(value: Any, width: int) -> str:
    text = _text(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _preview_items(info: Any, record: Any, raw: Any) -> list[tuple[str, Any]]:
    """What one mapping is applied to for one record: (label, item)."""
    from transforms.studio import shipped

    if info.direction == shipped.DECODE:
        from transforms.studio.plan import rows_of

        rows = rows_of([raw])
        return [(f"row {i + 1}" if len(rows) > 1 else "", r) for i, r in enumerate(rows[:3])]
    if record is None:
        return []
    if not info.part:
        return [("", record)]
    parts = list(getattr(record, info.part, ()) or ())
    return [(f"{info.part}[{i}]", p) for i, p in enumerate(parts[:5])]


def preview_data(
    source: str,
    target: str,
    entity_name: str,
    n: int,
    *,
    file: Path | None = None,
    show_personal: bool = False,
    updating: bool = False,
) -> dict[str, Any]:
    """Everything `map preview` prints, as data (masked unless `show_personal`)."""
    from transforms.mapping import Symbolic, load_mapping
    from transforms.studio import preview, shipped
    from transforms.studio.plan import side

    entity = _entity(entity_name)
    check_pair(source, target, entity)
    chain = shipped.for_pair(source, target, entity)
    if not chain:
        raise typer.BadParameter(
            f"no shipped mapping takes {entity.value}s from {source} to {target}"
        )
    raws, records, skipped = read_records(source, entity, n, peer=target, file=file)
    out: dict[str, Any] = {
        "source": source,
        "target": target,
        "entity": entity.value,
        "read": len(raws),
        "skipped": skipped,
        "masked": not show_personal,
        "records": [],
    }
    for raw, record in zip(raws, records, strict=True):
        known = {} if show_personal else preview.personal_values(raw, record)
        ref = getattr(record, "ref", None)
        entry: dict[str, Any] = {
            "record": ref.key if ref is not None else "(not decoded)",
            "mappings": [],
        }
        for info in chain:
            s = side(info.name)
            m = load_mapping(info.name)
            creating = preview.creating_of(info) and not (updating and info.updates)
            for label, item in _preview_items(info, record, raw):
                rows = preview.preview_record(
                    m, item, s.target, creating=creating, ctx=Symbolic(timezone="UTC")
                )
                shown = []
                for r in rows:
                    spec = s.target.field(r.field)
                    src_spec = s.source.field(r.source) if r.source != "const" else None
                    value = (
                        r.value if show_personal else preview.mask(r.field, r.value, known, spec)
                    )
                    src_value = (
                        r.source_value
                        if show_personal
                        else preview.mask(r.source, r.source_value, known, src_spec)
                    )
                    shown.append(
                        {
                            "field": r.field,
                            "value": value,
                            "from": r.source,
                            "source_value": src_value,
                            "rejected": r.problem,
                        }
                    )
                entry["mappings"].append(
                    {
                        "mapping": info.name,
                        "object": m.object,
                        "part": label,
                        "write": "create" if creating else "update",
                        "fields": shown,
                    }
                )
        out["records"].append(entry)
    return out


def _print_preview(data: dict[str, Any]) -> None:
    note = PERSONAL_NOTE if data["masked"] else "personal data SHOWN (--show-personal)"
    typer.echo(
        f"storebridge map preview: {data['source']} -> {data['target']}, {data['entity']}: "
        f"{data['read']} records; {note}"
    )
    for why in data["skipped"][:5]:
        typer.echo(f"  left out: {why}")
    rejected_total = 0
    for rec in data["records"]:
        typer.echo(f"\nrecord {rec['record']}")
        for m in rec["mappings"]:
            part = f" {m['part']}" if m["part"] else ""
            typer.echo(f"  {m['mapping']} ({m['object']}{part}, {m['write']})")
            typer.echo(f"    {'field':<32} {'value':<34} {'from':<30} source value")
            for f in m["fields"]:
                typer.echo(
                    f"    {_short(f['field'], 32):<32} {_short(f['value'], 34):<34} "
                    f"{_short(f['from'], 30):<30} {_short(f['source_value'], 34)}"
                )
            bad = [f for f in m["fields"] if f["rejected"]]
            rejected_total += len(bad)
            for f in bad:
                typer.echo(f"    REJECTED {f['field']}: {f['rejected']}")
    typer.echo(f"\n{rejected_total} fields would be rejected")


@map_app.command("preview")
def preview_cmd(
    source: Annotated[str, typer.Option(help="the system records are read from")],
    target: Annotated[str, typer.Option(help="the system they are mapped for")],
    entity: Annotated[str, typer.Option(help="customer, order, fulfillment, product, inventory")],
    sample: Annotated[int, typer.Option(min=1, max=500, help="how many records")] = 3,
    file: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="a JSON file of raw payloads of the source (instead of reading it; "
            "the source's settings are still used to decode)",
        ),
    ] = None,
    show_personal: Annotated[
        bool,
        typer.Option(
            help="show e-mails, phones, names and addresses unmasked (for a person "
            "comparing records on their own screen; never in logs or artifacts)"
        ),
    ] = False,
    update: Annotated[
        bool, typer.Option(help="show the update payloads, not the create ones")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Read real records through the source connector (or --file), decode and map them, and
    print the mapped payloads beside their sources with the fields the target would reject and
    why. Personal data is masked unless --show-personal is given."""
    from connectors.http import ConfigError

    try:
        data = preview_data(
            source, target, entity, sample, file=file, show_personal=show_personal, updating=update
        )
    except (ConfigError, ValueError) as exc:
        typer.echo(f"map preview: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        _print_preview(data)


# --- suggest -------------------------------------------------------------------------------------
def suggest_data(
    source: str,
    target: str,
    entity_name: str,
    n: int,
    *,
    file: Path | None = None,
    only: str | None = None,
    mapping_file: Path | None = None,
    limit: int = 3,
    show_all: bool = False,
    minimum: float = 0.5,
) -> list[dict[str, Any]]:
    """The suggestions `map suggest` prints, per mapping (samples read as in `preview`)."""
    from transforms.studio import plan, shipped

    entity = _entity(entity_name)
    check_pair(source, target, entity)
    chain = [s for s in shipped.for_pair(source, target, entity) if only in (None, s.name)]
    if not chain:
        raise typer.BadParameter(
            f"no shipped mapping takes {entity.value}s from {source} to {target}"
            + (f" named {only}" if only else "")
        )
    raws: list[Any] = []
    records: list[Any] = []
    if n:
        raws, records, _ = read_records(source, entity, n, peer=target, file=file)
    out = []
    for info in chain:
        text = mapping_file.read_text(encoding="utf-8") if mapping_file else None
        s = plan.side(info.name, text)
        samples = raws if s.decoding else [r for r in records if r is not None]
        ranked = plan.suggestions(s, samples, limit=limit)
        fields: list[dict[str, Any]] = []
        for name, found in ranked.items():
            if not found or (not show_all and found[0].score < minimum):
                continue
            fields.append(
                {
                    "field": name,
                    "suggestions": [
                        {
                            "from": x.source,
                            "score": x.score,
                            "convert": list(x.convert),
                            "reasons": list(x.reasons),
                            "rule": x.rule(),
                        }
                        for x in found
                    ],
                }
            )
        fields.sort(key=lambda f: -f["suggestions"][0]["score"])
        out.append(
            {
                "mapping": info.name,
                "file": str(mapping_file or info.file),
                "decoding": s.decoding,
                "fields": fields,
            }
        )
    return out


@map_app.command("suggest")
def suggest_cmd(
    source: Annotated[str, typer.Option(help="the system records are read from")],
    target: Annotated[str, typer.Option(help="the system they are mapped for")],
    entity: Annotated[str, typer.Option(help="customer, order, fulfillment, product, inventory")],
    sample: Annotated[
        int, typer.Option(min=0, max=500, help="records read for value patterns (0: none)")
    ] = 20,
    file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="raw payloads of the source (JSON)"),
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="one mapping of the pair (sage300/order)")
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="edit this copy of the mapping instead of the shipped file (with --only)",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10, help="suggestions per field")] = 3,
    threshold: Annotated[
        float, typer.Option(min=0, max=1, help="--write accepts top suggestions scoring this")
    ] = 0.0,
    accept: Annotated[
        list[str] | None,
        typer.Option(help="a field whose top suggestion --write adds, whatever its score"),
    ] = None,
    write: Annotated[
        bool, typer.Option(help="add the accepted suggestions to the YAML (prints the diff)")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="every unmapped field, not only those scoring 0.5+")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Scored suggestions (0-1) for unmapped target fields, from names and descriptions, types
    and lengths, and value patterns of sample records, ranked with their reasons. With --write,
    the accepted ones (top suggestions scoring --threshold or more, default 0.70, or named with
    --accept) are added to the YAML as a reviewable change."""
    from connectors.http import ConfigError
    from transforms.studio.suggest import THRESHOLD

    if mapping_file is not None and only is None:
        raise typer.BadParameter("--mapping-file needs --only (which mapping it is a copy of)")
    try:
        data = suggest_data(
            source,
            target,
            entity,
            sample,
            file=file,
            only=only,
            mapping_file=mapping_file,
            limit=limit,
            show_all=show_all,
        )
    except (ConfigError, ValueError) as exc:
        typer.echo(f"map suggest: {exc}", err=True)
        raise typer.Exit(2) from None
    bar = threshold or THRESHOLD
    if as_json and not write:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    for m in data:
        typer.echo(
            f"{m['mapping']} ({m['file']}): {len(m['fields'])} unmapped fields with suggestions"
        )
        for f in m["fields"]:
            typer.echo(f"  {f['field']}")
            for i, x in enumerate(f["suggestions"], 1):
                typer.echo(f"    {i}. {x['score']:.2f}  {x['rule']}")
                typer.echo(f"         {'; '.join(x['reasons'])}")
    if write:
        _write(data, accept or [], bar)


def _write(data: list[dict[str, Any]], accept: Sequence[str], bar: float) -> None:
    from transforms.studio import edit

    wanted = {a.lower() for a in accept}
    for m in data:
        chosen = []
        for f in m["fields"]:
            top = f["suggestions"][0]
            if f["field"].lower() in wanted or top["score"] >= bar:
                reasons = "; ".join(top["reasons"][:2])
                comment = f"suggested by storebridge map suggest ({top['score']:.2f}: {reasons})"
                chosen.append(edit.Addition(f["field"], top["rule"], comment))
        if not chosen:
            typer.echo(f"{m['mapping']}: nothing accepted (threshold {bar:.2f})")
            continue
        path = Path(m["file"])
        before = path.read_text(encoding="utf-8")
        after = edit.add_fields(before, chosen, m["mapping"])
        path.write_text(after, encoding="utf-8")
        typer.echo(edit.diff(before, after, str(path)))
        typer.echo(f"{m['mapping']}: {len(chosen)} fields added to {path}: review the diff")


# --- catalogues ----------------------------------------------------------------------------------
@map_app.command("catalogues")
def catalogues_cmd(
    write: Annotated[bool, typer.Option(help="regenerate the committed catalogues")] = False,
    specs: Annotated[
        Path | None,
        typer.Option(help="the official specs (../shared/api-specs); needed with --write"),
    ] = None,
) -> None:
    """Compare the committed field catalogues (transforms/catalogues/) with the emulators'
    schemas; --write --specs DIR regenerates them from the emulators and the official specs."""
    from transforms.studio import generate
    from transforms.studio.catalogue import _committed

    if write:
        if specs is None or not specs.is_dir():
            raise typer.BadParameter("--write needs --specs <folder of the official specs>")
        root = Path(__file__).resolve().parents[1] / "transforms" / "catalogues"
        done = generate.write(root, specs)
        typer.echo(f"{len(done)} catalogues written under {root}")
        return
    committed = {
        (c.system, c.object): {n: dict(f.__dict__) for n, f in c.fields.items()}
        for c in _committed().values()
    }
    problems = generate.drift(committed)
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(committed)} catalogues, {len(problems)} differences from the emulators")
    if problems:
        raise typer.Exit(1)
