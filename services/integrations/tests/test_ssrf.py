"""The SSRF guard's rules, address by address (the API tests cover the problems it raises)."""

from __future__ import annotations

import ipaddress

import pytest

from integrations_service.settings import Settings
from integrations_service.webhooks.ssrf import (
    AddressRefused,
    IPAddress,
    Resolver,
    UrlPolicy,
    UrlRefused,
    check_url,
)

PUBLIC = UrlPolicy(require_https=True)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # cloud metadata (shared address space)
        "fd00:ec2::254",  # cloud metadata (IPv6)
        "fe80::1",
        "224.0.0.1",
        "239.255.255.250",
        "0.0.0.0",
        "::ffff:10.0.0.1",  # an IPv4-mapped private address
        "100.64.0.1",
        "240.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not PUBLIC.allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert PUBLIC.allows(ipaddress.ip_address(address))


def test_the_allowlist_opens_a_network() -> None:
    policy = UrlPolicy.of(production=False, allowed=["127.0.0.1/32", "10.20.0.0/16"])
    assert policy.allows(ipaddress.ip_address("127.0.0.1"))
    assert policy.allows(ipaddress.ip_address("10.20.3.4"))
    assert not policy.allows(ipaddress.ip_address("127.0.0.2"))
    assert not policy.allows(ipaddress.ip_address("10.21.0.1"))


def test_production_allows_https_only_and_no_loopback_by_default() -> None:
    # Unvalidated: production also needs keys this test does not care about.
    settings = Settings.model_construct(environment="production")
    assert settings.allowed_networks() == []
    policy = UrlPolicy.of(production=True, allowed=settings.allowed_networks())
    with pytest.raises(UrlRefused, match="https"):
        check_url("http://hooks.example.org/in", policy)
    assert check_url("https://hooks.example.org/in", policy).hostname == "hooks.example.org"
    assert Settings().allowed_networks() == ["127.0.0.1/32", "::1/128"]


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@hooks.example.org/",
        "https:///no-host",
        "https://hooks.example.org/#fragment",
        "https://hooks.example.org:0/",
        "https://hooks.example.org:99999/",
        "https://hooks.example.org/a b",
        "gopher://hooks.example.org/",
        "https://" + "a" * 2001 + ".org/",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused) as refused:
        check_url(url, PUBLIC)
    assert "secret" not in str(refused.value)


async def test_the_resolver_keeps_answers_for_its_ttl_and_not_failures() -> None:
    calls: list[str] = []
    fail = {"down.example"}

    async def dns(host: str, _: int) -> list[IPAddress]:
        calls.append(host)
        if host in fail:
            raise AddressRefused("The URL's host does not resolve.")
        return [ipaddress.ip_address("93.184.215.14")]

    clock = [0.0]
    resolver = Resolver(5.0, lookup=dns, timer=lambda: clock[0])
    for _ in range(3):
        assert await resolver.addresses("hooks.example", 443) == [
            ipaddress.ip_address("93.184.215.14")
        ]
    for _ in range(2):
        with pytest.raises(AddressRefused):
            await resolver.addresses("down.example", 443)
    assert calls == ["hooks.example", "down.example", "down.example"]
    clock[0] = 5.1
    await resolver.addresses("hooks.example", 443)
    assert calls[-1] == "hooks.example"
    assert len(calls) == 4
    uncached = Resolver(0, lookup=dns)
    await uncached.addresses("hooks.example", 443)
    await uncached.addresses("hooks.example", 443)
    assert len(calls) == 6
