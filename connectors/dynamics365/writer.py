"""The `$batch` writer of the Dataverse client: plan, pack, send, map the answer back.

Requests are planned into top-level parts and changesets (`batch.plan`), packed into batches of
at most `settings.batch_size` (the platform maximum is 1000, `batch.pack`), encoded
(`batch.encode_batch`) and sent as one POST each through the shared client: a whole-batch 429
waits `Retry-After`, a whole-batch 5xx is retried when every request is idempotent (upserts by
key: a lost answer re-applied lands on the same rows), a 413 halves the batch. The answer's
parts become one `BatchResult` per request, in order (`multipart.results`).

A mixin of `Dynamics365Client` (it provides `http`, `settings`, `api_path`, `_new_boundary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.dynamics365 import odata, resources
from connectors.dynamics365.batch import (
    BatchRequest,
    BatchResult,
    Unit,
    content_ids,
    encode_batch,
    pack,
    plan,
)
from connectors.dynamics365.multipart import parse_batch, results
from connectors.dynamics365.resources import SYSTEM
from connectors.dynamics365.settings import Dynamics365Settings
from connectors.http import (
    FailureType,
    ResilientClient,
    TransientError,
    build_error,
)
from connectors.http.classify import classify_response, error_code, error_message, response_body

IDEMPOTENT = frozenset({"GET", "PUT", "PATCH", "DELETE"})


class BatchMixin:
    """`$batch` writes (see the module docstring)."""

    http: ResilientClient
    settings: Dynamics365Settings
    api_path: str
    _new_boundary: Callable[[str], str]

    def batch(
        self,
        requests: list[BatchRequest],
        changesets: bool = True,
        *,
        continue_on_error: bool = True,
        idempotent: bool | None = None,
    ) -> list[BatchResult]:
        """Send `requests` in `$batch`es of at most `settings.batch_size` requests; one result
        per request, in order (see `batch` and `multipart` for changesets and mapping).

        Args:
            requests: the requests; `ref` is handed back on each result.
            changesets: group atomic requests (shared `atomic`, ``$n`` references) in changesets.
            continue_on_error: ``Prefer: odata.continue-on-error`` (independent parts go on).
            idempotent: whether a whole batch may be resent after a lost answer; by default when
                every request is a GET, PUT, PATCH or DELETE (upserts by key).

        Raises:
            AuthError, ConfigError: the batch itself was refused for the credential or endpoint.
            TransientError, RateLimitedError: retries or waits exhausted for a whole batch.
        """
        units = plan(requests, changesets=changesets)
        out: dict[int, BatchResult] = {}
        for chunk in pack(units, self.settings.batch_size):
            out.update(self._send_batch(requests, chunk, continue_on_error, idempotent))
        return [out[i] for i in range(len(requests))]

    def _send_batch(
        self,
        requests: Sequence[BatchRequest],
        units: list[Unit],
        continue_on_error: bool,
        idempotent: bool | None,
    ) -> dict[int, BatchResult]:
        body, content_type = encode_batch(requests, units, self.api_path, self._new_boundary)
        headers = {"Content-Type": content_type}
        headers.update(odata.prefer("odata.continue-on-error" if continue_on_error else ""))
        members = [requests[i] for unit in units for i in unit.indexes]
        safe = (
            idempotent
            if idempotent is not None
            else all(r.method.upper() in IDEMPOTENT for r in members)
        )
        request = self.http.build_request(
            "POST", resources.BATCH_PATH, content=body.encode("utf-8"), headers=headers
        )
        response = self.http.send(request, raise_errors=False, idempotent=safe)
        kind = response.headers.get("content-type", "")
        if response.status_code == 413 and len(units) > 1:  # too large: halve and send again
            half = len(units) // 2
            return {
                **self._send_batch(requests, units[:half], continue_on_error, idempotent),
                **self._send_batch(requests, units[half:], continue_on_error, idempotent),
            }
        if kind.lower().startswith("multipart/"):
            try:
                parts = parse_batch(response.content, kind)
            except ValueError as exc:
                raise TransientError(
                    f"unreadable $batch answer: {exc}",
                    connection=SYSTEM,
                    method="POST",
                    url=resources.BATCH_PATH,
                    status=response.status_code,
                ) from None
            return results(requests, units, content_ids(requests, units), parts)
        if 200 <= response.status_code < 300:
            raise TransientError(
                "the $batch answer is not multipart",
                connection=SYSTEM,
                method="POST",
                url=resources.BATCH_PATH,
                status=response.status_code,
            )
        _, failure = classify_response(response, self.http.error_table)
        parsed = response_body(response)
        message = error_message(parsed, response.text)
        if failure is not FailureType.RECORD:
            raise build_error(
                failure,
                f"$batch refused: {message}",
                connection=SYSTEM,
                method="POST",
                url=resources.BATCH_PATH,
                status=response.status_code,
                code=error_code(parsed),
            )
        return {  # the batch as a whole is invalid: every request carries its error
            i: BatchResult(
                requests[i].ref,
                response.status_code,
                None,
                parsed,
                error_code(parsed),
                f"$batch refused: {message}",
            )
            for unit in units
            for i in unit.indexes
        }
