"""Configuration: a value that cannot be used is a ConfigError naming its variable; the console script
says it in one line (exit status 2), never with a traceback; the instance folder of an installed package."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloud_hospital.app import create_app
from core import config
from core.config import ConfigError, setting_from_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("default, raw, parsed", [
    (5, "7", 7), (1.0, "0.5", 0.5), (False, "yes", True), (True, "off", False), ((1, 2), "3, 4", (3, 4)),
    ("requeue", "noshow", "noshow"), (5, "", 5)])
def test_settings_parse_like_their_default(monkeypatch, default, raw, parsed):
    monkeypatch.setenv("SOME_SETTING", raw)
    assert setting_from_env("SOME_SETTING", default) == parsed


@pytest.mark.parametrize("default, raw, says", [
    (5, "five", "SOME_SETTING must be a whole number, not 'five'."),
    (1.0, "soon", "SOME_SETTING must be a number, not 'soon'."),
    (False, "maybe", "SOME_SETTING must be true or false, not 'maybe'."),
    ((1, 2), "1,x", "SOME_SETTING must be comma-separated whole numbers, not '1,x'.")])
def test_a_setting_that_does_not_parse_names_its_variable(monkeypatch, default, raw, says):
    monkeypatch.setenv("SOME_SETTING", raw)
    with pytest.raises(ConfigError) as refused:
        setting_from_env("SOME_SETTING", default)
    assert str(refused.value) == says


@pytest.mark.parametrize("name, raw, says", [
    ("TOKEN_TTL_SECONDS", "8h", "TOKEN_TTL_SECONDS must be a whole number"),
    ("CLINIC_REMINDER_MINUTES", "a day", "CLINIC_REMINDER_MINUTES must be comma-separated whole numbers"),
    ("PHARMACY_SEARCH_RADIUS_KM", "far", "PHARMACY_SEARCH_RADIUS_KM must be a number"),
    ("CONSULT_INVITE_TIMEOUT_ACTION", "ignore", "CONSULT_INVITE_TIMEOUT_ACTION must be requeue or noshow"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ("DATABASE_URL", "::not a url", "DATABASE_URL is not a database URL"),
])
def test_the_app_refuses_bad_settings_of_every_domain(monkeypatch, tmp_path, name, raw, says):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=says):
        create_app({"TESTING": True})


def test_the_metrics_directory_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        config.check_metrics_directory()


def test_the_instance_folder_is_the_checkouts_or_else_the_working_directorys(monkeypatch, tmp_path):
    assert config.default_instance_path() == str(ROOT / "instance")
    monkeypatch.setattr(config, "ROOT", tmp_path / "site-packages")  # installed: no pyproject.toml beside core/
    monkeypatch.chdir(tmp_path)
    assert config.default_instance_path() == str(tmp_path / "instance")


def _cloud_hospital(*args, **env):
    environment = {**os.environ, **env}
    environment.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cloud_hospital", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("args, env, says", [
    (("db", "upgrade"), {"CLOUD_HOSPITAL_ENV": "production", "SECRET_KEY": "short"},
     "cloud-hospital: configuration error: Production refuses a default or short SECRET_KEY: set SECRET_KEY "
     "(32+ characters)."),
    (("--help",), {"TOKEN_TTL_SECONDS": "8h"},
     "cloud-hospital: configuration error: TOKEN_TTL_SECONDS must be a whole number, not '8h'."),
    (("serve",), {"CLOUD_HOSPITAL_ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": ""},
     "cloud-hospital: configuration error: Production requires PostgreSQL: set DATABASE_URL."),
])
def test_the_console_script_says_a_configuration_error_in_one_line(tmp_path, args, env, says):
    done = _cloud_hospital(*args, INSTANCE_PATH=str(tmp_path), **env)
    assert (done.returncode, done.stderr.splitlines()) == (2, [says])


@pytest.mark.slow
def test_the_console_script_says_an_unreachable_database_in_one_line(tmp_path):
    done = _cloud_hospital("db", "upgrade", INSTANCE_PATH=str(tmp_path),
                           DATABASE_URL="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("cloud-hospital: database error (check DATABASE_URL): ") and "port 1" in lines[0]
