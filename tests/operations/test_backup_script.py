"""scripts/backup.py's own rules, without a server: the libpq target it builds from a service's
URL (the password kept off the command line), what it refuses, and how a failing tool is told."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.backup import BackupError, dump, dump_services, main, restore, target
from shared.testing import dead_url


class TestTarget:
    def test_the_password_goes_to_the_environment_never_to_the_command_line(self) -> None:
        where = target(
            "postgresql+psycopg://projects:s3cret@db.internal:5433/projects?sslmode=require"
        )
        assert where.dsn == "postgresql://projects@db.internal:5433/projects?sslmode=require"
        assert "s3cret" not in where.dsn
        assert where.environment()["PGPASSWORD"] == "s3cret"

    def test_without_a_password_none_is_set(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("PGPASSWORD", raising=False)
        where = target("postgresql://postgres@127.0.0.1/assessment")
        assert where.password is None
        assert "PGPASSWORD" not in where.environment()

    def test_sqlite_is_refused_with_what_to_do_instead(self) -> None:
        with pytest.raises(BackupError, match=r"sqlite3 FILE \"\.backup"):
            target("sqlite+aiosqlite:///var/projects.db")

    def test_a_url_without_a_database_is_refused(self) -> None:
        with pytest.raises(BackupError, match="names no database"):
            target("postgresql://postgres@127.0.0.1")


class TestCommandLine:
    def test_dump_without_a_configured_url_says_which_variable(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        monkeypatch.delenv("STAKEHOLDERS_DATABASE_URL", raising=False)
        assert main(["dump", "stakeholders", "--output-dir", str(tmp_path)]) == 1
        assert "STAKEHOLDERS_DATABASE_URL is not set" in capsys.readouterr().err
        assert list(tmp_path.iterdir()) == []

    def test_one_url_for_several_services_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(BackupError, match="exactly one service"):
            dump_services(["projects", "assessment"], tmp_path, "postgresql://h/projects")

    def test_restore_of_a_missing_dump_fails(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        missing = tmp_path / "none.dump"
        url = "postgresql://postgres@127.0.0.1/x"
        assert main(["restore", str(missing), "--database-url", url]) == 1
        assert f"no dump at {missing}" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump (postgresql-client) missing")
class TestFailingTools:
    def test_a_failed_dump_reports_the_tool_and_leaves_no_backup(self, tmp_path: Path) -> None:
        port = dead_url().rsplit(":", 1)[1]
        output = tmp_path / "projects.dump"
        with pytest.raises(BackupError, match="pg_dump failed with exit code 1"):
            dump(f"postgresql://postgres:pw@127.0.0.1:{port}/projects", output)
        assert not output.exists()

    def test_a_failed_restore_reports_the_tool(self, tmp_path: Path) -> None:
        port = dead_url().rsplit(":", 1)[1]
        not_a_dump = tmp_path / "projects.dump"
        not_a_dump.write_bytes(b"not a custom-format archive")
        with pytest.raises(BackupError, match="pg_restore failed"):
            restore(not_a_dump, f"postgresql://postgres@127.0.0.1:{port}/projects")
