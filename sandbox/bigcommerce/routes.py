"""HTTP plumbing of the BigCommerce emulator: the `/stores/{store_hash}` gate and error shapes.

Every request under `/stores/` passes one middleware, outermost: it takes a request from the
store's rate-limit window (429 with the four headers and `X-Retry-After` when it is spent), checks
the store hash (an unknown one is 404: assumption, the spec is silent), `X-Auth-Token` (missing or
unknown: 401; a token without write scope writing: 403; bodies as in webhooks.v3.yml, in the V2
error-array shape on `/v2`) and puts the four `X-Rate-Limit-*` headers on every answer, errors
included. Errors of ours, unknown paths and wrong methods answer V2 arrays or V3 objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.bigcommerce.constants import TOKENS
from sandbox.bigcommerce.routes_orders import register_orders
from sandbox.bigcommerce.routes_v3 import register_v3
from sandbox.bigcommerce.web import ApiError, json_response

if TYPE_CHECKING:
    from sandbox.bigcommerce.emulator import BigCommerceEmulator

PREFIX = "/stores/"
UNAUTHORIZED = (
    "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination "
    "for this store."
)
FORBIDDEN = "Unauthorized Access. You do not have permission to make this request."
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def error_response(path: str, err: ApiError) -> Response:
    """`err` in the shape of the path's API version."""
    if "/v2/" in path or path.endswith("/v2"):
        return json_response(err.v2_body(), err.status)
    media = "application/problem+json" if err.problem else "application/json"
    return json_response(err.v3_body(), err.status, media)


def register(app: FastAPI, emu: BigCommerceEmulator) -> None:
    """Add the gate middleware, the error handlers and every API route to `app`."""

    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if not path.startswith(PREFIX):
            return await call_next(request)
        allowed, headers = emu.rate_window.take()
        if not allowed:
            with emu.lock:
                emu.fault_counts["quota_exhausted"] += 1
            response = emu.quota_response(headers)
        else:
            response = await _checked(request, call_next)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    async def _checked(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        store_hash = path[len(PREFIX) :].split("/", 1)[0]
        if store_hash != emu.store_hash:
            return error_response(path, ApiError(404, "The requested store was not found."))
        token = request.headers.get("x-auth-token", "")
        account = TOKENS.get(token)
        if account is None:
            return error_response(path, ApiError(401, UNAUTHORIZED))
        client_id, may_write = account
        if request.method not in READS and not may_write:
            return error_response(path, ApiError(403, FORBIDDEN))
        request.state.client_id = client_id
        return await call_next(request)

    app.middleware("http")(gate)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request.url.path, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith(PREFIX):
            return await http_exception_handler(request, exc)
        message = (
            "The requested resource was not found." if exc.status_code == 404 else str(exc.detail)
        )
        return error_response(request.url.path, ApiError(exc.status_code, message))

    register_orders(app, emu)
    register_v3(app, emu)
