"""HTTP plumbing shared by the emulator's routes (REST API v42.0–v62.0): supported versions,
JSON bodies, error rendering, and the outer ASGI layer that strips trailing slashes (simple-
salesforce requests ``.../query/`` and ``.../sobjects/Account/``), stamps ``Sforce-Limit-Info``
on every data response and refuses over-long URLs as the org's front end does.

A URL (path and query string, as sent) longer than 16,384 bytes gets 414 with a small HTML page
and no JSON error array: the refusal comes from the web tier in front of the API. Assumption: the
page is the ``414 Request-URI Too Large`` one such servers answer (the exact bytes are not
documented); it carries no ``Sforce-Limit-Info``. The sandbox still counts the request like any
other, in its endpoint counters and the daily request count, so per-order call figures include
it: the edge only flags a data request, routing runs, and the data router's guard (or the
not-found handler) answers the 414 before anything is executed. Login and the versions list
(not API requests) get the 414 from the edge itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.salesforce.errors import NOT_FOUND_MESSAGE, OAuthError, SfError, not_found
from sandbox.salesforce.rest import Reply
from sandbox.salesforce.schema import SObject, sobject

FIRST_VERSION, LAST_VERSION = 42, 62
VERSIONS = tuple(f"{v}.0" for v in range(FIRST_VERSION, LAST_VERSION + 1))
DATA_PATH = re.compile(r"^/services/data/v[^/]+(/|$)")
LIMIT_HEADER = b"sforce-limit-info"
MAX_URL_BYTES = 16384
TOO_LONG_KEY = "sandbox.salesforce.uri_too_long"  # scope flag set by the edge
URI_TOO_LONG_BODY = (
    b"<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>414 Request-URI Too Large</h1></center>\r\n</body>\r\n</html>\r\n"
)


def release_label(version: str) -> str:
    """The release name of an API version (42.0 = Spring '18, 59.0 = Winter '24)."""
    index = int(float(version)) - FIRST_VERSION
    season = ("Spring", "Summer", "Winter")[index % 3]
    year = 18 + index // 3 + (1 if season == "Winter" else 0)
    return f"{season} '{year:02d}"


def version_number(version: str) -> float:
    """The numeric API version of a path's ``v{version}`` segment."""
    return float(version)


def resolve_object(name: str) -> SObject:
    """The sObject named in a URL, or 404 NOT_FOUND."""
    obj = sobject(name)
    if obj is None:
        raise not_found()
    return obj


async def json_body(request: Request) -> Any:
    """The request's JSON body, or JSON_PARSER_ERROR."""
    raw = await request.body()
    if not raw.strip():
        raise SfError(
            "JSON_PARSER_ERROR",
            "The HTTP entity body is required, but this request has no entity body.",
        )
    try:
        return json.loads(raw)
    except ValueError as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise SfError(
            "JSON_PARSER_ERROR",
            f"Unexpected character: was expecting a JSON value at [line:{line}, column:{column}]",
        ) from None


def record_body(data: Any, sobject_name: str) -> dict[str, Any]:
    """A JSON body that must be one record (an object)."""
    if not isinstance(data, dict):
        kind = "START_ARRAY" if isinstance(data, list) else "VALUE_STRING"
        raise SfError(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {sobject_name} from {kind} value [line:1, column:1]",
        )
    return data


def sf_json(content: Any, status: int = 200) -> JSONResponse:
    """A JSON response."""
    return JSONResponse(content, status_code=status)


def no_content() -> Response:
    """204 No Content."""
    return Response(status_code=204)


def reply_response(reply: Reply) -> Response:
    """The HTTP response of a resource's `Reply` (no body: an empty one)."""
    if reply.body is None:
        return Response(status_code=reply.status, headers=reply.headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


class UriTooLong(Exception):
    """The request's URL is over the front end's limit (rendered as its 414 page)."""


def uri_too_long(scope: Scope) -> bool:
    """Whether the edge marked this request's URL as too long."""
    return bool(scope.get(TOO_LONG_KEY))


async def uri_too_long_handler(request: Request, exc: Exception) -> Response:
    """The front end's 414 page (HTML, no JSON error array, no ``Sforce-Limit-Info``)."""
    return Response(URI_TOO_LONG_BODY, status_code=414, media_type="text/html")


def url_length(scope: Scope) -> int:
    """Bytes of the request's URL as sent: raw path, ``?`` and query string."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return len(raw) + (len(query) + 1 if query else 0)


async def sf_error_handler(request: Request, exc: Exception) -> Response:
    """Render SfError as the top-level error array."""
    assert isinstance(exc, SfError)
    return sf_json(exc.body(), exc.status)


async def oauth_error_handler(request: Request, exc: Exception) -> Response:
    """Render OAuthError as ``{"error", "error_description"}``."""
    assert isinstance(exc, OAuthError)
    return sf_json({"error": exc.error, "error_description": exc.description}, exc.status)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Router 404/405 under ``/services`` in Salesforce's shape; FastAPI's default elsewhere."""
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith("/services/"):
        return await http_exception_handler(request, exc)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("allow", "")
        message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
        return sf_json([{"message": message, "errorCode": "METHOD_NOT_ALLOWED"}], 405)
    return sf_json([{"message": NOT_FOUND_MESSAGE, "errorCode": "NOT_FOUND"}], exc.status_code)


class SalesforceEdge:
    """Outer ASGI layer: URL length limit, trailing-slash folding, ``Sforce-Limit-Info``."""

    def __init__(self, app: ASGIApp, usage_header: Callable[[], str]) -> None:
        """Wrap `app`; `usage_header` gives the current ``api-usage=N/M`` value."""
        self.app = app
        self.usage_header = usage_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/services/") and url_length(scope) > MAX_URL_BYTES:
            scope = {**scope, TOO_LONG_KEY: True}
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = dict(scope)
            scope["path"] = path.rstrip("/") or "/"
            raw = scope.get("raw_path")
            if raw:
                scope["raw_path"] = raw.rstrip(b"/") or b"/"
        if not DATA_PATH.match(scope["path"]):
            if uri_too_long(scope):  # login and versions: not API requests, nothing to count
                await Response(URI_TOO_LONG_BODY, 414, media_type="text/html")(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] not in (401, 414):
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != LIMIT_HEADER
                ]
                headers.append((LIMIT_HEADER, self.usage_header().encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, stamped)
