"""Start-up behaviour from the environment, checked in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(args, extra_env, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        # AUDIT_: the test settings put a test key into the environment; a
        # production start must bring its own.
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "ALLOWED_HOSTS", "AUDIT_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV_FILE": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
    "ALLOWED_HOSTS": "fuwu.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://fuwu.example.gov.cn",
    "WAGTAILADMIN_BASE_URL": "https://fuwu.example.gov.cn",
    "DJANGO_BEHIND_TLS_PROXY": "true",
    # The audit log's HMAC key (issue 12): required when debug is off.
    "AUDIT_HMAC_KEY": "audit-" + "Z9y8X7w6V5u4T3s2R1q0" * 3,
    "AUDIT_HMAC_KEY_ID": "2026-1",
}


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = _run(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_audit_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("AUDIT_")}
    result = _run(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY is not set" in result.stderr


def test_debug_without_secret_key_starts(tmp_path):
    result = _run(["check"], {"DJANGO_DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_time_zone_and_languages(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
