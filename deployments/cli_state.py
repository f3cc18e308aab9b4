"""`storebridge state ...` and `storebridge deadletters ...`: the durable sync state by hand.

What is printed about a dead letter is redacted once more on the way out (its message, payload
and note, `connectors.http.redaction.redact_record`): the store redacts what it stores, and
letters parked by an older version show no more than new ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from connectors.state import (
    DeadLetter,
    DeadLetterKind,
    DeadLetterNotFoundError,
    DeadLetterStatus,
    ReviewDecision,
    StateStore,
)

state_app = typer.Typer(
    help="Create, upgrade and inspect the sync state database.", no_args_is_help=True
)
dead_app = typer.Typer(
    help="List, inspect, edit, resolve and replay records that failed to sync.",
    no_args_is_help=True,
)


def open_store() -> StateStore:
    """The configured state store (`STOREBRIDGE_STATE_URL` / `_PATH`), upgraded to head."""
    store = StateStore.from_settings()
    store.upgrade()
    return store


@state_app.command("upgrade")
def upgrade() -> None:
    """Create the schema, or migrate an existing database to the latest revision."""
    store = StateStore.from_settings()
    before = store.current_revision()
    store.upgrade()
    typer.echo(f"state schema: {before or 'empty'} -> {store.current_revision()}")


@state_app.command("status")
def status() -> None:
    """Schema revision, inbox counts and dead-letter counts."""
    store = open_store()
    typer.echo(f"revision: {store.current_revision()}")
    typer.echo(f"inbox: {json.dumps(store.inbox_counts())}")
    typer.echo(f"dead letters: {json.dumps(store.dead_letter_counts())}")


@state_app.command("wait")
def wait(
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 300,
) -> None:
    """Wait until no webhook event is pending or being processed (scripts, CI); exit 1 on
    timeout, printing the inbox counts."""
    import time

    store = open_store()
    open_states = ("pending", "dispatched", "processing")
    deadline = time.monotonic() + timeout
    while True:
        counts = store.inbox_counts()
        if not any(counts.get(s, 0) for s in open_states):
            typer.echo(f"inbox: {json.dumps(counts)}")
            return
        if time.monotonic() > deadline:
            typer.echo(f"still open after {timeout:.0f} s: {json.dumps(counts)}", err=True)
            raise typer.Exit(1)
        time.sleep(1)


def _shown(d: DeadLetter) -> DeadLetter:
    """`d` as the CLI may print it: message, payload and note redacted."""
    from dataclasses import replace

    from connectors.http.redaction import redact_record, redact_text

    message, payload = redact_record(d.message, d.payload)
    note = redact_text(d.note) if d.note else d.note
    return replace(d, message=message, payload=payload, note=note)


def _row(d: DeadLetter) -> str:
    d = _shown(d)
    return (
        f"{d.id:>5}  {d.status.value:<8} {d.attempts:>3}x  {d.system}:{d.entity}:{d.external_id}"
        f"  [{d.error_class}] {d.message}"
    )


@dead_app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option(help="open, replayed, resolved or ignored")
    ] = "open",
    system: Annotated[str | None, typer.Option(help="source system slug")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Dead letters, oldest first (open ones by default)."""
    rows = open_store().list_dead_letters(
        status=DeadLetterStatus(status) if status else None, system=system, limit=limit
    )
    if as_json:
        typer.echo(json.dumps([_as_dict(d) for d in rows], indent=2, default=str))
        return
    for d in rows:
        typer.echo(_row(d))
    typer.echo(f"({len(rows)} shown)")


def _as_dict(d: DeadLetter) -> dict[str, Any]:
    shown = asdict(_shown(d))
    return {k: (v.value if isinstance(v, DeadLetterStatus) else v) for k, v in shown.items()}


def _get(store: StateStore, dead_letter_id: int) -> DeadLetter:
    try:
        return store.get_dead_letter(dead_letter_id)
    except DeadLetterNotFoundError as exc:
        typer.echo(str(exc.args[0] if exc.args else exc), err=True)
        raise typer.Exit(2) from None


@dead_app.command("show")
def show(dead_letter_id: int) -> None:
    """One dead letter with its (redacted) payload."""
    typer.echo(json.dumps(_as_dict(_get(open_store(), dead_letter_id)), indent=2, default=str))


@dead_app.command("edit")
def edit(
    dead_letter_id: int,
    note: Annotated[str | None, typer.Option(help="a note for whoever looks next")] = None,
    payload_file: Annotated[
        Path | None, typer.Option(help="JSON file replacing the payload")
    ] = None,
) -> None:
    """Change a dead letter's note or payload (the payload is redacted again)."""
    store = open_store()
    _get(store, dead_letter_id)
    changes: dict[str, Any] = {}
    if note is not None:
        changes["note"] = note
    if payload_file is not None:
        changes["payload"] = json.loads(payload_file.read_text())
    typer.echo(_row(store.edit_dead_letter(dead_letter_id, **changes)))


def _set(dead_letter_id: int, status: DeadLetterStatus, note: str | None) -> None:
    store = open_store()
    _get(store, dead_letter_id)
    typer.echo(_row(store.set_dead_letter_status(dead_letter_id, status, note=note)))


@dead_app.command("resolve")
def resolve(
    dead_letter_id: int,
    note: Annotated[str | None, typer.Option()] = None,
    link: Annotated[
        str | None,
        typer.Option(
            "--link",
            metavar="TARGET_ID",
            help="a review item held as a possible duplicate: bind its record to this record "
            "of the target (the customer it duplicates, e.g. its Contact Id or customer "
            "number), then replay it: nothing new is created",
        ),
    ] = None,
    create: Annotated[
        bool,
        typer.Option(
            "--create", help="a review item held as a possible duplicate: create it anyway"
        ),
    ] = False,
    replay_now: Annotated[
        bool,
        typer.Option(
            "--replay/--no-replay",
            help="with --link or --create: replay the record now (default), or keep the "
            "decision for the next `deadletters replay`",
        ),
    ] = True,
) -> None:
    """Mark a dead letter resolved (fixed by hand), or decide a review item: `--link
    TARGET_ID` binds it to the target's record it duplicates, `--create` creates it anyway; the
    decision is kept on the letter and the replay of its record honours it."""
    if link is None and not create:
        _set(dead_letter_id, DeadLetterStatus.RESOLVED, note)
        return
    if link is not None and create:
        typer.echo("--link and --create exclude each other", err=True)
        raise typer.Exit(2)
    store = open_store()
    if _get(store, dead_letter_id).kind is not DeadLetterKind.REVIEW:
        typer.echo(f"dead letter {dead_letter_id} is not a review item", err=True)
        raise typer.Exit(2)
    decision = f"{ReviewDecision.LINK.value}:{link}" if link else ReviewDecision.CREATE.value
    try:
        decided = store.decide_review(dead_letter_id, decision, note=note)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{dead_letter_id}: decided {decided.decision}")
    if replay_now:
        replay(ids=[dead_letter_id], accept=False)


@dead_app.command("compare")
def compare(
    dead_letter_id: int,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The review console: a possible duplicate's two customers side by side IN CLEAR (names,
    e-mails, phones, addresses), each re-read from its system by its reference, with how the
    matcher compared each field. The one command that prints personal data: run it at a
    console to decide, never where its output is kept (logs, CI, tickets)."""
    from flows.dedupe import side_by_side

    store = open_store()
    letter = _get(store, dead_letter_id)
    try:
        shown = side_by_side(store, letter)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    score = shown["score"]
    typer.echo(
        f"dead letter {dead_letter_id}: {shown['held']} vs {shown['target']}"
        + (f", score {score:.2f}" if score is not None else "")
    )
    width = max([len(str(r["held"])) for r in shown["rows"]] + [len("held")])
    typer.echo(f"  {'field':<12} {'held':<{width}}  {'target':<{width}}  level")
    for r in shown["rows"]:
        typer.echo(
            f"  {r['field']:<12} {r['held']!s:<{width}}  {r['target']!s:<{width}}  {r['level']}"
        )


@dead_app.command("ignore")
def ignore(dead_letter_id: int, note: Annotated[str | None, typer.Option()] = None) -> None:
    """Mark a dead letter ignored (will never be synced)."""
    _set(dead_letter_id, DeadLetterStatus.IGNORED, note)


@dead_app.command("replay")
def replay(
    ids: Annotated[
        list[int] | None, typer.Argument(help="dead letter ids (default: all open)")
    ] = None,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="load review items (records held for review, e.g. anomalies) despite their "
            "flags: the decision is kept on the letter",
        ),
    ] = False,
) -> None:
    """Re-run each letter's use case and pair for its records (re-read from the source).

    Only the failed records are redone. Success resolves their dead letters; a new failure
    reopens them with the new error (a replayed letter is never left hidden). A review item
    (a record held as an anomaly) is checked again and held again while it is still flagged,
    unless `--accept` is given.
    """
    from flows.usecases import parse_stream

    store = open_store()
    letters = (
        [_get(store, i) for i in ids]
        if ids
        else store.list_dead_letters(status=DeadLetterStatus.OPEN, limit=10_000)
    )
    groups: dict[str, list[DeadLetter]] = defaultdict(list)
    for d in letters:
        groups[d.flow].append(d)
    for stream, group in groups.items():
        try:
            use_case, source, target = parse_stream(stream)
        except ValueError as exc:
            typer.echo(f"{stream}: cannot replay: {exc}", err=True)
            continue
        for d in group:
            if accept and d.kind is DeadLetterKind.REVIEW:
                store.decide_review(d.id, ReviewDecision.ACCEPT)
            store.set_dead_letter_status(d.id, DeadLetterStatus.REPLAYED, note="replay requested")
        try:
            result = use_case.flow_function(
                source=source, target=target, ids=[d.external_id for d in group]
            )
        except Exception as exc:  # the run failed: the letters are open again, with why
            for d in group:
                store.set_dead_letter_status(
                    d.id, DeadLetterStatus.OPEN, note=f"replay failed: {type(exc).__name__}"
                )
            typer.echo(f"{stream}: replay failed: {exc}", err=True)
            raise typer.Exit(1) from None
        _reopen_unresolved(store, group)
        typer.echo(
            f"{use_case.name} {source} -> {target}: replayed {len(group)}: created "
            f"{result['created']}, updated {result['updated']}, unchanged {result['unchanged']}, "
            f"skipped {result['skipped']}, still failing {result['dead_lettered']}"
        )


def _reopen_unresolved(store: StateStore, group: list[DeadLetter]) -> None:
    """A letter still `replayed` after its run was neither resolved nor failed again (e.g. the
    record was skipped): open it again, so `list` and a plain `replay` still show it."""
    for d in group:
        if store.get_dead_letter(d.id).status is DeadLetterStatus.REPLAYED:
            store.set_dead_letter_status(
                d.id, DeadLetterStatus.OPEN, note="replay did not load it; see the run"
            )
