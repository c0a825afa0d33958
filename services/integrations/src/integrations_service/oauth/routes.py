"""Machine clients: the admin routes (`/v1/clients`) and the public OAuth routes (`/v1/oauth`:
the token endpoint, its JWKS and its RFC 8414 metadata), thin: parse, call the service, shape."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from integrations_service.oauth import keys, service
from integrations_service.oauth.dependencies import Admin, ClientDep, admin_only
from integrations_service.oauth.errors import ClientNotFound, ClientRevoked, ExpiryInPast
from integrations_service.oauth.schemas import (
    JWKS,
    AuthorizationServerMetadata,
    ClientCreate,
    ClientRead,
    ClientRole,
    ClientWithSecret,
    TokenErrorBody,
    TokenResponse,
)
from integrations_service.settings import SettingsDep
from shared.db import SessionDep
from shared.etag import conditional_get, mark_created, mark_version
from shared.openapi import PUBLIC_OPERATION
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

# The role is checked before any path record is loaded (router dependencies run first), so a
# non-admin learns nothing about which client ids exist: 403, never 404.
router = APIRouter(prefix="/v1/clients", tags=["clients"], dependencies=[Depends(admin_only)])
# No bearer token here: the token endpoint authenticates the client itself, keys are public.
public_router = APIRouter(prefix="/v1/oauth", tags=["oauth"])

ClientPagination = Annotated[Pagination, Depends(pagination_dependency())]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(ExpiryInPast),
)
async def create_client(
    data: ClientCreate, session: SessionDep, actor: Admin, response: Response
) -> ClientWithSecret:
    """Register a machine client. Its `client_secret` is in this answer and nowhere else."""
    client = await service.create_client(session, data=data, actor=actor)
    mark_created(response, f"{router.prefix}/{client.id}", client.version)
    return client


@router.get("", responses=problem_responses())
async def list_clients(
    session: SessionDep, _: Admin, pagination: ClientPagination
) -> Page[ClientRead]:
    return await service.list_clients(session, pagination=pagination)


@router.get("/{client_id}", responses=problem_responses(ClientNotFound))
async def get_client(
    client_id: uuid.UUID, session: SessionDep, _: Admin, request: Request, response: Response
) -> ClientRead:
    client = await service.read_client(session, client_id)
    if client is None:
        raise ClientNotFound(f"No machine client with id {client_id}.")
    conditional_get(request, response, client.version)
    return client


@router.post(
    "/{client_id}/rotate-secret", responses=problem_responses(ClientNotFound, ClientRevoked)
)
async def rotate_client_secret(
    client: ClientDep, session: SessionDep, _: Admin, settings: SettingsDep, response: Response
) -> ClientWithSecret:
    """A new secret, shown once; the old one keeps working for `oauth_secret_overlap_seconds`
    (default 24 h), so a job can be given the new one without downtime."""
    rotated = await service.rotate_secret(session, client, overlap=settings.oauth_overlap())
    mark_version(response, rotated.version)
    return rotated


@router.post("/{client_id}/revoke", responses=problem_responses(ClientNotFound))
async def revoke_client(
    client: ClientDep, session: SessionDep, _: Admin, response: Response
) -> ClientRead:
    """No new token from now on. Tokens already issued stay valid until they expire (at most
    `oauth_token_ttl_seconds`, default 10 min): services verify them without asking us."""
    revoked = await service.revoke_client(session, client)
    mark_version(response, revoked.version)
    return revoked


_FORM_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        service.FORM_MEDIA_TYPE: {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {"type": "string", "enum": [service.GRANT_TYPE]},
                    "client_id": {"type": "string", "description": "Or the Basic user name."},
                    "client_secret": {"type": "string", "description": "Or the Basic password."},
                    "scope": {
                        "type": "string",
                        "description": "Space-separated subset of the client's roles: "
                        + ", ".join(role.value for role in ClientRole),
                    },
                },
            }
        }
    },
}
_TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": TokenErrorBody, "description": "RFC 6749 §5.2 error."},
    401: {"model": TokenErrorBody, "description": "invalid_client (with WWW-Authenticate)."},
}


@public_router.post(
    "/token",
    response_model=TokenResponse,
    responses=_TOKEN_ERRORS,
    openapi_extra={"requestBody": _FORM_BODY, PUBLIC_OPERATION: True},
)
async def issue_token(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """OAuth 2.0 client credentials (RFC 6749 §4.4): credentials in HTTP Basic or the body."""
    answer = await service.issue_token(
        session,
        settings,
        content_type=request.headers.get("content-type", ""),
        body=await request.body(),
        authorization=request.headers.get("authorization"),
    )
    if isinstance(answer, TokenResponse):
        return JSONResponse(answer.model_dump(), headers=NO_STORE)
    headers = dict(NO_STORE)
    if answer.status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="cmdi", error="{answer.code.value}"'
    body = TokenErrorBody(error=answer.code.value, error_description=answer.description)
    return JSONResponse(body.model_dump(), status_code=answer.status, headers=headers)


@public_router.get("/jwks.json", openapi_extra={PUBLIC_OPERATION: True})
async def get_jwks(settings: SettingsDep, response: Response) -> JWKS:
    """The public keys of the tokens' signatures (RFC 7517)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return JWKS(keys=[keys.signing_key(settings).public_jwk])


@public_router.get(
    "/.well-known/oauth-authorization-server", openapi_extra={PUBLIC_OPERATION: True}
)
async def get_authorization_server_metadata(
    settings: SettingsDep, response: Response
) -> AuthorizationServerMetadata:
    """RFC 8414 metadata (through the gateway: `/api/v1/oauth/.well-known/...`)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    base = settings.oauth_public_base_url.rstrip("/") + public_router.prefix
    return AuthorizationServerMetadata(
        issuer=settings.oauth_issuer,
        token_endpoint=f"{base}/token",
        jwks_uri=f"{base}/jwks.json",
        grant_types_supported=[service.GRANT_TYPE],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        response_types_supported=[],
        scopes_supported=[role.value for role in ClientRole],
    )
