"""The settings' environment parsing (brug/settings.py): DATABASE_URL, *_FILE secrets, bad values
naming their variable, and production refusing to start without its secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from brug import settings as brug_settings
from brug.settings import database_from_url, env, env_bool, env_int, secret

PROJECT_DIR = Path(__file__).resolve().parent.parent


# --- DATABASE_URL ---------------------------------------------------------------------------

def test_sqlite_absolute_path() -> None:
    db = database_from_url("sqlite:////var/lib/brug/brug.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/var/lib/brug/brug.sqlite3"


def test_sqlite_relative_path() -> None:
    db = database_from_url("sqlite:///data/brug.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "data/brug.sqlite3"


def test_sqlite_accepts_the_sqlite3_scheme_and_escaped_characters() -> None:
    db = database_from_url("sqlite3:////srv/my%20data/brug.sqlite3")
    assert db["NAME"] == "/srv/my data/brug.sqlite3"


def test_sqlite_without_a_path_is_in_memory() -> None:
    assert database_from_url("sqlite://")["NAME"] == ":memory:"


def test_sqlite_is_safe_for_a_web_process_and_a_worker_at_once() -> None:
    # WAL and IMMEDIATE transactions: the worker and the web process write concurrently.
    options = database_from_url("sqlite:////tmp/x.sqlite3")["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_postgresql_with_user_password_port_and_options() -> None:
    db = database_from_url(
        "postgresql://brug:s%40cret%2Fpw@db.example.internal:6543/brug_prod"
        "?sslmode=require&connect_timeout=5")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "brug_prod"
    assert db["USER"] == "brug"
    assert db["PASSWORD"] == "s@cret/pw"
    assert db["HOST"] == "db.example.internal"
    assert db["PORT"] == "6543"
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgresql_scheme_aliases(scheme: str) -> None:
    db = database_from_url(f"{scheme}://u@127.0.0.1/brug")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["PORT"]) == ("u", "", "")


def test_postgresql_keeps_connections_and_checks_their_health() -> None:
    db = database_from_url("postgresql://u:p@127.0.0.1:5432/brug")
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/brug", "brug.sqlite3",
                                 "http://localhost/brug"])
def test_unknown_scheme_names_the_variable(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


# --- env and *_FILE -------------------------------------------------------------------------

def test_env_reads_the_variable_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRUG_X", raising=False)
    monkeypatch.delenv("BRUG_X_FILE", raising=False)
    assert env("BRUG_X") is None
    assert env("BRUG_X", "fallback") == "fallback"
    monkeypatch.setenv("BRUG_X", "value")
    assert env("BRUG_X", "fallback") == "value"


def test_file_variant_wins_and_is_stripped(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-the-file\n", encoding="utf-8")
    monkeypatch.setenv("BRUG_X", "from-the-environment")
    monkeypatch.setenv("BRUG_X_FILE", str(secret_file))
    assert env("BRUG_X") == "from-the-file"


def test_unreadable_file_names_the_variable(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("BRUG_X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="BRUG_X_FILE"):
        env("BRUG_X")


def test_secret_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("a-real-production-key", encoding="utf-8")
    monkeypatch.delenv("BRUG_SECRET_KEY", raising=False)
    monkeypatch.setenv("BRUG_SECRET_KEY_FILE", str(key_file))
    assert secret("BRUG_SECRET_KEY", "django") == "a-real-production-key"


def test_development_secret_is_fixed_per_purpose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRUG_SECRET_KEY", raising=False)
    monkeypatch.delenv("BRUG_SECRET_KEY_FILE", raising=False)
    monkeypatch.setenv("BRUG_TESTING", "1")
    first = secret("BRUG_SECRET_KEY", "django")
    assert first == secret("BRUG_SECRET_KEY", "django")
    assert first != secret("BRUG_SECRET_KEY", "pseudonym")
    assert len(first) == 64


def test_missing_secret_outside_development_names_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brug_settings, "DEBUG", False)
    monkeypatch.setenv("BRUG_TESTING", "0")
    monkeypatch.delenv("BRUG_HANDLE_KEY", raising=False)
    monkeypatch.delenv("BRUG_HANDLE_KEY_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="BRUG_HANDLE_KEY"):
        secret("BRUG_HANDLE_KEY", "handle")


# --- booleans and whole numbers -------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("Yes", True), ("ON", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_env_bool_words(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("BRUG_FLAG", raw)
    assert env_bool("BRUG_FLAG", not expected) is expected


def test_env_bool_empty_or_unset_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRUG_FLAG", raising=False)
    assert env_bool("BRUG_FLAG", True) is True
    monkeypatch.setenv("BRUG_FLAG", "")
    assert env_bool("BRUG_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_bad_boolean_names_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("BRUG_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="BRUG_FLAG"):
        env_bool("BRUG_FLAG", False)


def test_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRUG_N", raising=False)
    assert env_int("BRUG_N", 7) == 7
    monkeypatch.setenv("BRUG_N", "42")
    assert env_int("BRUG_N", 7, minimum=1) == 42


@pytest.mark.parametrize("raw", ["ten", "4.5", "1e3"])
def test_bad_whole_number_names_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("BRUG_N", raw)
    with pytest.raises(ImproperlyConfigured, match="BRUG_N"):
        env_int("BRUG_N", 7)


def test_whole_number_below_the_minimum_names_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRUG_N", "0")
    with pytest.raises(ImproperlyConfigured, match=r"BRUG_N.*at least 1"):
        env_int("BRUG_N", 7, minimum=1)


# --- importing the settings as production would ----------------------------------------------

def _import_settings(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`import brug.settings` in a fresh interpreter with only the given environment."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(PROJECT_DIR),
             "LANG": "C.UTF-8", **extra}
    return subprocess.run([sys.executable, "-c", "import brug.settings"], env=clean,
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
                          check=False)


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _import_settings({})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "BRUG_SECRET_KEY" in result.stderr


def test_production_with_its_secrets_starts() -> None:
    result = _import_settings({"BRUG_SECRET_KEY": "k" * 50, "BRUG_PSEUDONYM_KEY": "p" * 64,
                               "BRUG_HANDLE_KEY": "h" * 64,
                               "BRUG_CONTENT_KEYS": "new-key-2026, old-key-2025"})
    assert result.returncode == 0, result.stderr


def test_production_without_a_content_key_names_the_variable() -> None:
    result = _import_settings({"BRUG_SECRET_KEY": "k" * 50, "BRUG_PSEUDONYM_KEY": "p" * 64,
                               "BRUG_HANDLE_KEY": "h" * 64})
    assert result.returncode != 0
    assert "BRUG_CONTENT_KEYS" in result.stderr


def test_production_with_a_bad_database_url_names_the_variable() -> None:
    result = _import_settings({"BRUG_SECRET_KEY": "k" * 50, "BRUG_PSEUDONYM_KEY": "p" * 64,
                               "BRUG_HANDLE_KEY": "h" * 64, "BRUG_CONTENT_KEYS": "c" * 64,
                               "DATABASE_URL": "mysql://u:p@localhost/brug"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_debug_mode_needs_no_secrets() -> None:
    result = _import_settings({"BRUG_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_bad_debug_flag_names_the_variable() -> None:
    result = _import_settings({"BRUG_DEBUG": "sometimes"})
    assert result.returncode != 0
    assert "BRUG_DEBUG" in result.stderr
