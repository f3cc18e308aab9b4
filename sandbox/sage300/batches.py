"""A/R receipt batches and G/L journal batches (POST and PATCH; no DELETE, as documented).

AR/ARReceiptAndAdjustmentBatches (ARBTA / ARTCR / ARTCP), following the SDK's prepayment sample:
``BatchRecordType`` "CA" (receipts) or "AD" (adjustments) is required; ``BatchNumber`` is the next
number of that type unless given (a given one that exists is RecordDuplicate); ``BatchStatus``
"ReadyToPost" is accepted on POST and PATCH (Open by default); a posted batch refuses changes.
Each entry of ``ReceiptsAdjustments`` needs an existing ``CustomerNumber`` (else RecordInvalid
``Customer Number 'X' does not exist.``); entry numbers 1, 2, ...; the bank and customer amounts
default to each other; ``ReceiptTransactionType`` "Receipt" by default, "Prepayment" for a
prepayment, which refers to an order by ``DocumentType`` "OrderNumber" +
``MatchingDocumentNumber`` (ARTCR.DOCTYPE 4 / IDINVCMTCH; the applied lines may say the same with
``PPMatchingDocumentType``/``PPMatchingDocumentNumber``). Applied lines
(``AppliedReceiptsAdjustments``) number 20, 40, ...; the entry's applied total, count, last line
and unapplied amount, and the batch's entry count, total and last entry are computed.

GL/GLJournalBatches (GLBCTL / GLJEH / GLJED), following the SDK sample: ``BatchNumber`` (6 digits,
"000490") is generated unless given; entries (``JournalHeaders``) 00001, 00002, ... and details
(``JournalDetails``) 0000000020, 0000000040, ...; every entry must balance (its ``Amount`` values
sum to 0) and have an ``AccountNumber`` on every detail, else RecordInvalid; debits/credits and
counts are computed; the fiscal year/period are the DocumentDate's year and month (a calendar
fiscal year is assumed). ``Description`` is searchable with ``$filter``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.sage300.constants import AR_LINE_STEP, GL_LINE_STEP
from sandbox.sage300.db import Row
from sandbox.sage300.errors import SageError, duplicate, invalid
from sandbox.sage300.resources import JOURNAL_BATCH, RECEIPT_BATCH, Entity, decode
from sandbox.sage300.schema import TABLES
from sandbox.sage300.service import Ctx, insert, update, write_details

ZERO = Decimal(0)
AR_POSTED = 3
GL_POSTED = "4"


def _num(row: Row, column: str) -> Decimal:
    return Decimal(str(row[column] or 0))


# --- A/R ------------------------------------------------------------------------------------------
def _receipt_prepare(ctx: Ctx) -> Any:
    db = ctx.db

    def prepare(entity: Entity, cols: dict[str, Any], parent: Row, index: int) -> None:
        if entity.table == "ARTCR":
            customer = str(cols.get("IDCUST") or "").strip()
            if not customer:
                raise invalid("Customer Number cannot be blank.")
            cust = db.get("ARCUS", {"IDCUST": customer}) if len(customer) <= 12 else None
            if cust is None:
                raise invalid(f"Customer Number '{customer}' does not exist.")
            if cols.get("CNTITEM") in (None, 0, ZERO):
                taken = db.max_of(
                    "ARTCR",
                    "CNTITEM",
                    {"CODEPYMTYP": parent["CODEPYMTYP"], "CNTBTCH": parent["CNTBTCH"]},
                )
                cols["CNTITEM"] = int(taken or 0) + 1
            if not cols.get("DATERMIT"):
                cols["DATERMIT"] = parent["DATEBTCH"]
            if not cols.get("CODECURN"):
                cols["CODECURN"] = str(cust["CODECURN"]).strip()
            if cols.get("AMTRMIT") is None and cols.get("AMTRMITTC") is not None:
                cols["AMTRMIT"] = cols["AMTRMITTC"]
            if cols.get("AMTRMITTC") is None and cols.get("AMTRMIT") is not None:
                cols["AMTRMITTC"] = cols["AMTRMIT"]
            if not cols.get("IDBANK"):
                cols["IDBANK"] = str(parent["IDBANK"]).strip()
            cols["ENTEREDBY"] = db.user
        elif entity.table == "ARTCP":
            if cols.get("CNTLINE") in (None, 0, ZERO):
                taken = db.max_of(
                    "ARTCP",
                    "CNTLINE",
                    {
                        "CODEPAYM": parent["CODEPYMTYP"],
                        "CNTBTCH": parent["CNTBTCH"],
                        "CNTITEM": parent["CNTITEM"],
                    },
                )
                cols["CNTLINE"] = int(taken or 0) + AR_LINE_STEP
            if not cols.get("IDCUST"):
                cols["IDCUST"] = parent["IDCUST"]

    return prepare


def _receipt_totals(ctx: Ctx, batch: Row) -> None:
    db = ctx.db
    key = {"CODEPYMTYP": batch["CODEPYMTYP"], "CNTBTCH": batch["CNTBTCH"]}
    entries = db.select("ARTCR", key)
    for e in entries:
        applied = db.select(
            "ARTCP",
            {"CODEPAYM": e["CODEPYMTYP"], "CNTBTCH": e["CNTBTCH"], "CNTITEM": e["CNTITEM"]},
        )
        total = sum((_num(a, "AMTPAYM") for a in applied), ZERO)
        received = _num(e, "AMTRMITTC")
        db.update(
            "ARTCR",
            {**key, "CNTITEM": e["CNTITEM"]},
            {
                "CNTPAYMETR": len(applied),
                "AMTPAYMTC": total,
                "CNTLSTLINE": max((int(a["CNTLINE"]) for a in applied), default=0),
                "REMUNAPLTC": max(received - total, ZERO),
                "REMUNAPL": max(_num(e, "AMTRMIT") - total, ZERO),
                "FISCYR": str(int(e["DATERMIT"]) // 10000) if int(e["DATERMIT"]) else "",
                "FISCPER": f"{int(e['DATERMIT']) // 100 % 100:02d}" if int(e["DATERMIT"]) else "",
            },
        )
    db.update(
        "ARBTA",
        key,
        {
            "CNTENTER": len(entries),
            "AMTENTER": sum((_num(e, "AMTRMIT") for e in entries), ZERO),
            "CNTLASTITM": max((int(e["CNTITEM"]) for e in entries), default=0),
        },
    )


def create_receipt_batch(ctx: Ctx, payload: Any) -> Row:
    """POST AR/ARReceiptAndAdjustmentBatches (see the module docstring)."""
    db = ctx.db
    decoded = decode(RECEIPT_BATCH, payload)
    cols = dict(decoded.columns.get("ARBTA", {}))
    kind = str(cols.get("CODEPYMTYP") or "").strip()
    if kind not in ("CA", "AD"):
        raise invalid("BatchRecordType must be CA (receipts) or AD (adjustments).")
    number = cols.get("CNTBTCH")
    if number not in (None, 0, ZERO):
        if db.get("ARBTA", {"CODEPYMTYP": kind, "CNTBTCH": number}):
            raise duplicate("Receipt batch", f"{kind} {int(number)}")
    else:
        cols["CNTBTCH"] = int(db.max_of("ARBTA", "CNTBTCH", {"CODEPYMTYP": kind}) or 0) + 1
    if not cols.get("DATEBTCH"):
        cols["DATEBTCH"] = db.today()
    if cols.get("BATCHSTAT") not in (None, 1, 7):
        raise invalid("A new batch can only be Open or ReadyToPost.")
    batch = insert(db, "ARBTA", cols)
    detail = RECEIPT_BATCH.details[0]
    write_details(
        db, detail, batch, decoded.details.get(detail.name, []), _receipt_prepare(ctx), patch=False
    )
    _receipt_totals(ctx, batch)
    found = db.get("ARBTA", {"CODEPYMTYP": kind, "CNTBTCH": batch["CNTBTCH"]})
    assert found is not None
    return found


def patch_receipt_batch(ctx: Ctx, batch: Row, payload: Any) -> Row:
    """PATCH a receipt batch: header properties and entries by UpdateOperation."""
    db = ctx.db
    if int(batch["BATCHSTAT"]) == AR_POSTED:
        raise invalid("The batch is posted and cannot be changed.")
    decoded = decode(RECEIPT_BATCH, payload)
    key = {"CODEPYMTYP": batch["CODEPYMTYP"], "CNTBTCH": batch["CNTBTCH"]}
    cols = {
        k: v for k, v in decoded.columns.get("ARBTA", {}).items() if k not in TABLES["ARBTA"].key
    }
    if cols.get("BATCHSTAT") == AR_POSTED:
        raise invalid("Batches are posted with ARPostReceiptsAndAdjustments, not by a PATCH.")
    row = update(db, "ARBTA", key, cols) if cols else batch
    detail = RECEIPT_BATCH.details[0]
    if detail.name in decoded.details:
        write_details(
            db, detail, row, decoded.details[detail.name], _receipt_prepare(ctx), patch=True
        )
    _receipt_totals(ctx, row)
    found = db.get("ARBTA", key)
    assert found is not None
    return found


# --- G/L ------------------------------------------------------------------------------------------
def _journal_prepare(ctx: Ctx) -> Any:
    db = ctx.db

    def prepare(entity: Entity, cols: dict[str, Any], parent: Row, index: int) -> None:
        if entity.table == "GLJEH":
            if not str(cols.get("BTCHENTRY") or "").strip():
                taken = db.max_of("GLJEH", "BTCHENTRY", {"BATCHID": parent["BATCHID"]})
                cols["BTCHENTRY"] = f"{int(taken or 0) + 1:05d}"
            when = cols.get("DATEENTRY") or db.today()
            cols["DATEENTRY"] = when
            cols["FSCSYR"] = f"{when.year:04d}"
            cols["FSCSPERD"] = f"{when.month:02d}"
        elif entity.table == "GLJED":
            if not str(cols.get("TRANSNBR") or "").strip():
                taken = db.max_of(
                    "GLJED",
                    "TRANSNBR",
                    {"BATCHNBR": parent["BATCHID"], "JOURNALID": parent["BTCHENTRY"]},
                )
                cols["TRANSNBR"] = f"{int(taken or 0) + GL_LINE_STEP:010d}"
            if not str(cols.get("ACCTID") or "").strip():
                raise invalid(
                    f"Account Number of entry {str(parent['BTCHENTRY']).strip()} cannot be blank."
                )
            if cols.get("SCURNAMT") is None and cols.get("TRANSAMT") is not None:
                cols["SCURNAMT"] = cols["TRANSAMT"]
            if cols.get("TRANSAMT") is None and cols.get("SCURNAMT") is not None:
                cols["TRANSAMT"] = cols["SCURNAMT"]
            if not cols.get("TRANSDATE"):
                cols["TRANSDATE"] = parent["DATEENTRY"]
            cols.setdefault("SRCELDGR", str(parent["SRCELEDGER"]).strip() or "GL")
            cols.setdefault("SRCETYPE", str(parent["SRCETYPE"]).strip() or "JE")

    return prepare


def _journal_totals(ctx: Ctx, batch: Row) -> None:
    db = ctx.db
    batch_id = batch["BATCHID"]
    headers = db.select("GLJEH", {"BATCHID": batch_id})
    debit_total = credit_total = ZERO
    for h in headers:
        details = db.select("GLJED", {"BATCHNBR": batch_id, "JOURNALID": h["BTCHENTRY"]})
        amounts = [_num(d, "TRANSAMT") for d in details]
        entry = str(h["BTCHENTRY"]).strip()
        if not details:
            raise invalid(f"Entry {entry} has no details.")
        if sum(amounts, ZERO) != 0:
            raise invalid(f"Entry {entry} is out of balance.")
        debits = sum((a for a in amounts if a > 0), ZERO)
        credits = -sum((a for a in amounts if a < 0), ZERO)
        debit_total += debits
        credit_total += credits
        db.update(
            "GLJEH",
            {"BATCHID": batch_id, "BTCHENTRY": h["BTCHENTRY"]},
            {
                "JRNLDR": debits,
                "JRNLCR": credits,
                "JRNLQTY": sum((_num(d, "TRANSQTY") for d in details), ZERO),
                "DETAILCNT": len(details),
            },
        )
    last = max((int(h["BTCHENTRY"]) for h in headers), default=0)
    db.update(
        "GLBCTL",
        {"BATCHID": batch_id},
        {
            "DEBITTOT": debit_total,
            "CREDITTOT": credit_total,
            "ENTRYCNT": len(headers),
            "NEXTENTRY": last + 1,
            "DATEEDIT": db.today(),
        },
    )


def create_journal_batch(ctx: Ctx, payload: Any) -> Row:
    """POST GL/GLJournalBatches (see the module docstring)."""
    db = ctx.db
    decoded = decode(JOURNAL_BATCH, payload)
    cols = dict(decoded.columns.get("GLBCTL", {}))
    number = str(cols.get("BATCHID") or "").strip()
    if number:
        if not number.isdigit():
            raise invalid("BatchNumber must be digits.")
        number = f"{int(number):06d}"
        if db.get("GLBCTL", {"BATCHID": number}):
            raise duplicate("Batch", number)
    else:
        number = f"{int(db.max_of('GLBCTL', 'BATCHID') or 0) + 1:06d}"
    cols["BATCHID"] = number
    if cols.get("BATCHSTAT") not in (None, "1", "6"):
        raise invalid("A new batch can only be Open or ReadyToPost.")
    cols["DATECREAT"] = cols["DATEEDIT"] = db.today()
    batch = insert(db, "GLBCTL", cols)
    detail = JOURNAL_BATCH.details[0]
    headers = decoded.details.get(detail.name, [])
    if not headers:
        raise invalid("A journal batch needs at least one entry.")
    write_details(db, detail, batch, headers, _journal_prepare(ctx), patch=False)
    _journal_totals(ctx, batch)
    found = db.get("GLBCTL", {"BATCHID": number})
    assert found is not None
    return found


def patch_journal_batch(ctx: Ctx, batch: Row, payload: Any) -> Row:
    """PATCH a journal batch: header properties and entries by UpdateOperation."""
    db = ctx.db
    if str(batch["BATCHSTAT"]).strip() == GL_POSTED:
        raise invalid("The batch is posted and cannot be changed.")
    decoded = decode(JOURNAL_BATCH, payload)
    key = {"BATCHID": batch["BATCHID"]}
    cols = {k: v for k, v in decoded.columns.get("GLBCTL", {}).items() if k != "BATCHID"}
    if cols.get("BATCHSTAT") == GL_POSTED:
        raise invalid("Batches are posted with GLPostJournal, not by a PATCH.")
    row = update(db, "GLBCTL", key, cols) if cols else batch
    detail = JOURNAL_BATCH.details[0]
    if detail.name in decoded.details:
        write_details(
            db, detail, row, decoded.details[detail.name], _journal_prepare(ctx), patch=True
        )
    _journal_totals(ctx, row)
    found = db.get("GLBCTL", key)
    assert found is not None
    return found


__all__ = [
    "SageError",
    "create_journal_batch",
    "create_receipt_batch",
    "patch_journal_batch",
    "patch_receipt_batch",
]
