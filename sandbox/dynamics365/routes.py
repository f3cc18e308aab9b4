"""HTTP routes: the Entra authority of the tenant and the Web API under ``/api/data/v9.2``.

Every Web API request needs a live bearer token; a missing, unknown or expired one answers 401
with ``WWW-Authenticate: Bearer authorization_uri=<authority>/oauth2/authorize,
resource_id=<org>/`` (the challenge Dataverse sends, so a client can discover the authority).
Routes are registered per entity set (``/api/data/v9.2/salesorders`` and
``/api/data/v9.2/salesorders({key})``) so the request counters tell the tables apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response

from connectors.http.jsonx import dumps
from sandbox.dynamics365 import batch
from sandbox.dynamics365.auth import EntraError
from sandbox.dynamics365.constants import API_PATH
from sandbox.dynamics365.errors import ODataError
from sandbox.dynamics365.schema import TABLES
from sandbox.dynamics365.service import Reply, handle

if TYPE_CHECKING:
    from sandbox.dynamics365.emulator import Dynamics365Emulator

JSON = "application/json; odata.metadata=minimal"


def reply_response(reply: Reply) -> Response:
    """A `Reply` as an HTTP response (OData-Version on every answer)."""
    headers = {"OData-Version": "4.0", **reply.headers}
    if reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    return Response(dumps(reply.body), status_code=reply.status, headers=headers, media_type=JSON)


def _entra(body: dict[str, object], status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json; charset=utf-8")


def register_authority(app: FastAPI, emu: Dynamics365Emulator) -> None:
    """OpenID configuration, instance discovery and the v2.0 token endpoint."""

    @app.get("/{tenant}/v2.0/.well-known/openid-configuration")
    async def openid(tenant: str) -> Response:
        try:
            return _entra(emu.authority.openid_configuration(emu.base_url, tenant))
        except EntraError as err:
            return _entra(err.body(), err.status)

    async def discovery(request: Request) -> Response:
        endpoint = request.query_params.get("authorization_endpoint", "")
        return _entra(emu.authority.instance_discovery(emu.base_url, endpoint))

    app.get("/common/discovery/instance")(discovery)
    app.get("/{tenant}/discovery/instance")(discovery)

    @app.post("/{tenant}/oauth2/v2.0/token")
    async def token(tenant: str, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        endpoint = f"{emu.base_url}/{emu.authority.tenant_id}/oauth2/v2.0/token"
        with emu.lock:
            try:
                body = emu.authority.token(form, tenant, endpoint, emu.base_url)
            except EntraError as err:
                return _entra(err.body(), err.status)
        return _entra(body)


def _challenge(emu: Dynamics365Emulator, why: str) -> Response:
    authority = f"{emu.base_url}/{emu.authority.tenant_id}"
    return Response(
        dumps({"error": {"code": "", "message": f"Authentication failed: bearer token {why}."}}),
        status_code=401,
        media_type=JSON,
        headers={
            "WWW-Authenticate": (
                f"Bearer authorization_uri={authority}/oauth2/authorize, "
                f"resource_id={emu.base_url}/"
            )
        },
    )


def register_api(app: FastAPI, emu: Dynamics365Emulator) -> None:
    """The Web API: `$batch`, actions, then every entity set (collection and keyed)."""

    async def serve(request: Request) -> Response:
        with emu.lock:
            why = emu.authority.check(request.headers.get("authorization"))
        if why:
            return _challenge(emu, why)
        path = request.url.path[len(API_PATH) :].lstrip("/")
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        with emu.lock:
            reply = handle(
                emu.ctx(), emu.env_of_request(), request.method, path, query, headers, raw
            )
        return reply_response(reply)

    async def run_batch(request: Request) -> Response:
        with emu.lock:
            why = emu.authority.check(request.headers.get("authorization"))
        if why:
            return _challenge(emu, why)
        raw = await request.body()
        prefer = request.headers.get("prefer", "").lower()
        with emu.lock:
            try:
                groups = batch.parse(raw, request.headers.get("content-type", ""))
            except ODataError as err:
                return reply_response(Reply(err.status, {}, err.body()))
            status, ctype, body = batch.execute(
                emu.ctx(),
                emu.env_of_request(),
                groups,
                "odata.continue-on-error" in prefer,
                emu.count_part,
            )
        return Response(
            body, status_code=status, media_type=ctype, headers={"OData-Version": "4.0"}
        )

    app.post(f"{API_PATH}/$batch")(run_batch)
    app.get(f"{API_PATH}/WhoAmI")(serve)
    app.post(f"{API_PATH}/FulfillSalesOrder")(serve)
    app.post(f"{API_PATH}/CancelSalesOrder")(serve)
    for entity_set in TABLES:
        app.api_route(f"{API_PATH}/{entity_set}", methods=["GET", "POST"])(serve)
        app.api_route(f"{API_PATH}/{entity_set}({{key}})", methods=["GET", "PATCH", "DELETE"])(
            serve
        )
    app.api_route(f"{API_PATH}/{{rest:path}}", methods=["GET", "POST", "PATCH", "DELETE"])(serve)
