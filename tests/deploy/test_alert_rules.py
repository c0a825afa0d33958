"""The Prometheus alert rules (deploy/prometheus), checked by promtool and against the code.

- `promtool check rules` accepts alerts.yaml, and `promtool test rules` runs alerts.test.yaml,
  which fires every alert on synthetic series (and keeps it quiet on healthy ones beside them);
- `promtool check config` accepts the scrape configuration, prometheus.yaml, with its Kubernetes
  discovery swapped for a static target (Debian's build of Prometheus leaves the Kubernetes
  discovery out, so its promtool refuses `kubernetes_sd_configs`); the discovery's own settings
  are checked against the manifests: the namespace, the pods' labels and port name;
- every metric and label the rules select is one the processes really register (their apps'
  modules imported, Prometheus's registry read), `job` aside, which is the scrape's; every
  process of scripts/services.py has its absence rule; every alert has a unit test that fires it;
- deploy/README.md names exactly the alerts there are, and every repository path it mentions
  exists.

promtool comes from Debian's `prometheus` package: the one on PATH if there is one, else the set-up
fetches the package with `apt-get download` and unpacks only `usr/bin/promtool` (a static binary)
into var/tools/. Not `apt-get install`: the package's scripts would start a Prometheus server on
this machine, and pull some twenty JavaScript packages for its web pages. Without apt-get (or on a
registry that will not answer) the promtool tests are skipped, saying why; the checks against the
code run regardless.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES

pytestmark = pytest.mark.backend_independent  # the PostgreSQL run leaves it out

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yaml"
RULE_TESTS = PROMETHEUS / "alerts.test.yaml"
SCRAPE_CONFIG = PROMETHEUS / "prometheus.yaml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
DEPLOY_README = ROOT / "deploy" / "README.md"
TOOLS = ROOT / "var" / "tools"
PROCESSES = tuple(s.name for s in (*SERVICES, REPORTING, GATEWAY))
APT_SECONDS = 300
PROMTOOL_SECONDS = 60

# Labels the scrape adds to every series (prometheus.yaml): the rules may select on these too.
TARGET_LABELS = frozenset({"job", "instance", "process", "pod", "namespace"})
# What may stand in an expression besides selectors, numbers, strings and durations.
PROMQL_WORDS = frozenset(
    {
        "sum",
        "max",
        "min",
        "time",
        "by",
        "rate",
        "increase",
        "absent",
        "histogram_quantile",
        "label_replace",
        "and",
        "or",
        "unless",
    }
)
SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*')


# --- promtool -----------------------------------------------------------------------------------


def _fetch_promtool() -> tuple[Path | None, str]:
    """Debian's promtool unpacked into var/tools (path, or None and why not)."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        return None, "there is no apt-get/dpkg-deb on this machine"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with tempfile.TemporaryDirectory() as work:
        download = ["apt-get", "download", "-q", "prometheus"]
        # The package lists may be missing or stale on a fresh machine: update once, then retry.
        last = ""
        for commands in ([download], [["apt-get", "update", "-q"], download]):
            try:
                runs = [
                    subprocess.run(
                        command,
                        cwd=work,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=APT_SECONDS,
                        check=False,
                    )
                    for command in commands
                ]
            except subprocess.TimeoutExpired:
                return None, f"apt-get did not finish in {APT_SECONDS} s"
            last = runs[-1].stderr[-300:]
            debs = sorted(Path(work).glob("prometheus_*.deb"))
            if runs[-1].returncode == 0 and debs:
                break
        else:
            return None, f"apt-get could not download Debian's prometheus package: {last}"
        unpacked = Path(work) / "unpacked"
        subprocess.run(
            ["dpkg-deb", "-x", str(debs[0]), str(unpacked)],
            check=True,
            capture_output=True,
            timeout=APT_SECONDS,
        )
        binary = unpacked / "usr" / "bin" / "promtool"
        if not binary.is_file():
            return None, f"{debs[0].name} holds no usr/bin/promtool"
        TOOLS.mkdir(parents=True, exist_ok=True)
        # Copied then renamed: another test worker may be fetching it at the same moment.
        staged = TOOLS / f".promtool.{os.getpid()}"
        shutil.copy2(binary, staged)
        staged.replace(TOOLS / "promtool")
    return TOOLS / "promtool", ""


@pytest.fixture(scope="session")
def promtool() -> Path:
    found = shutil.which("promtool")
    if found is not None:
        return Path(found)
    cached = TOOLS / "promtool"
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    path, why = _fetch_promtool()
    if path is None:
        pytest.skip(f"the promtool checks need Debian's promtool, and {why}")
    return path


def _run(promtool: Path, *args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PROMTOOL_SECONDS,
        check=False,
    )


def test_promtool_accepts_the_rules(promtool: Path) -> None:
    done = _run(promtool, "check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in done.stdout


def test_every_alert_fires_in_its_unit_test(promtool: Path) -> None:
    done = _run(promtool, "test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_accepts_the_scrape_configuration(promtool: Path, tmp_path: Path) -> None:
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())
    assert config["rule_files"] == [RULES.name]
    for job in config["scrape_configs"]:
        # Debian's promtool knows no Kubernetes discovery (checked against the manifests below).
        job.pop("kubernetes_sd_configs")
        job["static_configs"] = [{"targets": ["127.0.0.1:8000"]}]
    config["rule_files"] = [str(RULES)]
    checked = tmp_path / "prometheus.yaml"
    checked.write_text(yaml.safe_dump(config))
    done = _run(promtool, "check", "config", str(checked), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the rules against the code -----------------------------------------------------------------


def _alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _exported() -> dict[str, frozenset[str]]:
    """Every sample name the processes register, with its labels (their modules imported)."""
    for process in (*SERVICES, REPORTING, GATEWAY):
        importlib.import_module(process.app.split(":")[0])
    # prometheus_client keeps each collector under every sample name it yields (`_total`,
    # `_bucket`, ...); the label names are the metric's own. Neither is public API: a release
    # of prometheus-client that changes them fails this test rather than passing it silently.
    collectors: dict[str, Any] = REGISTRY._names_to_collectors
    return {
        name: frozenset(getattr(collector, "_labelnames", ()))
        for name, collector in collectors.items()
    }


def test_rules_select_only_what_the_code_exports() -> None:
    exported = _exported()
    for alert in _alerts():
        expr = alert["expr"]
        selectors = SELECTOR.findall(expr)
        assert selectors, alert["alert"]
        for metric, matchers in selectors:
            labels = {m.group(1): m.group(3) for m in MATCHER.finditer(matchers)}
            assert labels.get("job") == "cmdi", f"{alert['alert']}: {metric} not scoped to job"
            if metric == "up":  # Prometheus's own, per target
                assert set(labels) <= TARGET_LABELS, alert["alert"]
                continue
            assert metric in exported, f"{alert['alert']}: {metric} is not exported by the code"
            own = exported[metric] | ({"le"} if metric.endswith("_bucket") else set())
            for label in set(labels) - TARGET_LABELS:
                assert label in own, f"{alert['alert']}: {metric} has no label {label!r}"
        # The metric's own `job` label (cmdi_job_runs_total's) arrives as `exported_job`.
        if "exported_job" in expr:
            assert any("job" in exported[m] for m, _ in selectors), alert["alert"]
        # Nothing else names a series: what is left is PromQL's own words.
        rest = SELECTOR.sub(" ", expr)
        rest = re.sub(r'"[^"]*"|\[\d+[smhd]\]|\b(?:by|on)\s*\([^)]*\)|\d+(\.\d+)?', " ", rest)
        words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", rest))
        assert words <= PROMQL_WORDS, f"{alert['alert']}: {sorted(words - PROMQL_WORDS)}"


def test_every_process_has_an_absence_rule() -> None:
    (absent,) = [a for a in _alerts() if a["alert"] == "CmdiProcessAbsent"]
    named = re.findall(r'absent\(up\{job="cmdi", process="([a-z]+)"\}\)', absent["expr"])
    assert sorted(named) == sorted(PROCESSES)


def test_every_alert_has_a_severity_and_a_firing_unit_test() -> None:
    fired = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    for alert in _alerts():
        assert alert["labels"]["severity"] in {"page", "ticket"}, alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        assert alert["alert"] in fired, f"{alert['alert']} never fires in alerts.test.yaml"


def test_scrape_discovery_matches_the_manifests() -> None:
    (job,) = yaml.safe_load(SCRAPE_CONFIG.read_text())["scrape_configs"]
    assert job["job_name"] == "cmdi"
    (discovery,) = job["kubernetes_sd_configs"]
    production = yaml.safe_load(
        (KUBERNETES / "overlays" / "production" / "kustomization.yaml").read_text()
    )
    assert discovery == {"role": "pod", "namespaces": {"names": [production["namespace"]]}}
    relabel = {tuple(step["source_labels"]): step for step in job["relabel_configs"]}
    base = yaml.safe_load((KUBERNETES / "base" / "kustomization.yaml").read_text())
    (common,) = base["labels"]
    assert (
        relabel[("__meta_kubernetes_pod_label_app_kubernetes_io_part_of",)]["regex"]
        == (common["pairs"]["app.kubernetes.io/part-of"])
    )
    assert relabel[("__meta_kubernetes_pod_label_app_kubernetes_io_name",)]["target_label"] == (
        "process"
    )
    port_name = relabel[("__meta_kubernetes_pod_container_port_name",)]["regex"]
    for process in PROCESSES:
        documents = list(
            yaml.safe_load_all((KUBERNETES / "base" / "processes" / f"{process}.yaml").read_text())
        )
        (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
        pod = deployment["spec"]["template"]
        assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == process
        assert pod["metadata"]["labels"]["app.kubernetes.io/component"] != "migration"
        (container,) = pod["spec"]["containers"]
        assert [p["name"] for p in container["ports"]] == [port_name]
    for migration in (KUBERNETES / "base" / "migrations").glob("*.yaml"):
        job_object = yaml.safe_load(migration.read_text())
        labels = job_object["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == "migration"


# --- the guide ------------------------------------------------------------------------------------


def test_the_guide_names_the_alerts_there_are() -> None:
    guide = DEPLOY_README.read_text()
    named = set(re.findall(r"\bCmdi[A-Z0-9][A-Za-z0-9]+\b", guide))
    assert named == {alert["alert"] for alert in _alerts()}


def test_every_path_in_the_guide_exists() -> None:
    guide = DEPLOY_README.read_text()
    # In backticks: from the repository's root; as Markdown links: from deploy/.
    quoted = re.findall(
        r"`((?:deploy|scripts|docs|shared|services|tests)/[A-Za-z0-9_./@-]+)`", guide
    )
    linked = re.findall(r"\]\(([A-Za-z0-9_./@-]+?)(?:#[a-z0-9-]+)?\)", guide)
    assert quoted and linked
    # Files the guide has you make (`cp deploy/compose.env.example deploy/.env`) are not there yet.
    made = set(re.findall(r"^cp \S+ (\S+)", guide, flags=re.MULTILINE))
    assert made
    for where in [ROOT / path for path in quoted if path not in made] + [
        (DEPLOY_README.parent / path).resolve() for path in linked
    ]:
        assert where.exists(), (
            f"deploy/README.md names {where.relative_to(ROOT)}, which is not there"
        )
