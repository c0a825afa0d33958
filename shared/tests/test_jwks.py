"""The issuer's keys through PyJWT's `PyJWKClient` (wrapped by `shared.auth.JWKSCache`): fetched
off the event loop, once for a burst, refreshed for a rotated key at most once per cooldown, and
still served from the last good set while the issuer is down."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import Authenticator
from shared.problems import Unauthorized
from shared.settings import BaseProcessSettings


def _jwk(private: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public.update({"kid": kid, "use": "sig", "alg": "RS256"})
    return public


@pytest.fixture(scope="module")
def private_keys() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


class Issuer:
    """A JWKS endpoint for httpx.MockTransport that records each fetch and its thread."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.threads: list[int] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.threads.append(threading.get_ident())
        if self.down:
            raise httpx.ConnectError("down", request=request)
        return httpx.Response(200, json={"keys": self.keys})


def authenticator(issuer: Issuer, *, ttl: int = 300) -> Authenticator:
    settings = BaseProcessSettings(
        jwks_url="https://idp.example/jwks",
        jwks_cache_seconds=ttl,
        jwt_issuer="https://idp.example",
        jwt_audience="cmdi",
        dev_jwt_key=None,
    )
    result = Authenticator(settings)
    assert result._jwks is not None
    result._jwks.transport = httpx.MockTransport(issuer)
    return result


def token(private: rsa.RSAPrivateKey, kid: str, sub: str = "bob") -> str:
    claims = {
        "sub": sub,
        "roles": ["viewer"],
        "iss": "https://idp.example",
        "aud": "cmdi",
        "exp": int(time.time()) + 60,
    }
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


async def test_the_key_set_is_fetched_once_for_a_burst_and_off_the_loop(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    issuer = Issuer([_jwk(private_keys[0], "k1")])
    auth = authenticator(issuer)
    principals = await asyncio.gather(
        *(auth.verify(token(private_keys[0], "k1", sub=f"u{i}")) for i in range(10))
    )
    assert {p.subject for p in principals} == {f"u{i}" for i in range(10)}
    assert len(issuer.threads) == 1
    assert issuer.threads[0] != threading.get_ident()  # PyJWKClient is synchronous


async def test_a_rotated_key_is_fetched_and_unknown_kids_do_not_hammer_the_issuer(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    old, new = private_keys
    issuer = Issuer([_jwk(old, "old")])
    auth = authenticator(issuer)
    assert (await auth.verify(token(old, "old"))).subject == "bob"
    # The issuer rotates; within the cooldown after the last fetch, a new kid is not fetched.
    issuer.keys = [_jwk(old, "old"), _jwk(new, "new")]
    with pytest.raises(Unauthorized, match="signing key"):
        await auth.verify(token(new, "new"))
    for _ in range(5):
        with pytest.raises(Unauthorized, match="signing key"):
            await auth.verify(token(new, "made-up"))
    assert len(issuer.threads) == 1
    assert auth._jwks is not None
    auth._jwks._client._last_successful_fetch = time.monotonic() - 31  # the cooldown is over
    assert (await auth.verify(token(new, "new", sub="carol"))).subject == "carol"
    assert len(issuer.threads) == 2


async def test_the_last_good_keys_are_served_while_the_issuer_is_down(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    issuer = Issuer([_jwk(private_keys[0], "k1")])
    auth = authenticator(issuer, ttl=1)
    assert (await auth.verify(token(private_keys[0], "k1", sub="a"))).subject == "a"
    issuer.down = True
    await asyncio.sleep(1.1)  # the cached set expires
    assert (await auth.verify(token(private_keys[0], "k1", sub="b"))).subject == "b"
    assert len(issuer.threads) == 2  # it tried


async def test_a_token_without_kid_is_verified_when_the_issuer_has_one_key(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    issuer = Issuer([_jwk(private_keys[0], "only")])
    auth = authenticator(issuer)
    claims = {"sub": "dan", "roles": ["viewer"], "iss": "https://idp.example", "aud": "cmdi"}
    unnamed = jwt.encode(
        {**claims, "exp": int(time.time()) + 60}, private_keys[0], algorithm="RS256"
    )
    assert (await auth.verify(unnamed)).subject == "dan"
