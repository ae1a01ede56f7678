"""`check --deploy` is clean with production settings (OMNILOOP_ENV=production and its keys)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys


def _production_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        OMNILOOP_ENV="production",
        DJANGO_SETTINGS_MODULE="omniloop.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        OMNILOOP_FIELD_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        OMNILOOP_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="shop.example.com",
        OMNILOOP_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    env.pop("DEBUG", None)
    return env


def _run(tmp_path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warnings(tmp_path):
    done = _run(
        tmp_path,
        "import sys; sys.argv = ['omniloop', 'check', '--deploy', '--fail-level', 'WARNING'];"
        "from omniloop.cli import main; main()",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr


def test_production_cookies_and_headers(tmp_path):
    done = _run(
        tmp_path,
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "Lax",
        "True",
        "31536000",
    ]
