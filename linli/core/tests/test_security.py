"""Settings, passwords, lockout, sessions, the audit log and encryption at rest."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditLog
from linli.core.testing import PASSWORD, add_resident
from linli.lib.crypto import generate_key_text

ROOT = Path(settings.BASE_DIR)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    drop = {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PROD_ENV = {
    "LINLI_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "LINLI_FIELD_KEY": generate_key_text(),
    "ALLOWED_HOSTS": "linli.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/linli-deploy-check.sqlite3",
}


def test_check_deploy_is_clean_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "LINLI_FIELD_KEY", "ALLOWED_HOSTS", "DATABASE_URL"]
)
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_is_never_debug() -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env={**PROD_ENV, "DEBUG": "1"},
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.parametrize("password", ["short1!", "password123", "12345678901", "qwertyuiop"])
def test_weak_passwords_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
@pytest.mark.real_hashing
def test_passwords_hashed_with_argon2() -> None:
    user = get_user_model().objects.create_user("w", password=PASSWORD)
    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_login_success_and_failure_are_audited(world: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.post(reverse("login"), {"username": "head_a", "password": "wrong-password"})
    failed = AuditLog.objects.get(action="login_failed")
    assert failed.actor_username == "head_a" and failed.ip == "10.0.0.5"
    old_session = client.cookies.get("sessionid")
    response = client.post(reverse("login"), {"username": "head_a", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="login", actor_username="head_a").exists()
    assert client.cookies["sessionid"].value != (old_session.value if old_session else "")


@pytest.mark.django_db
def test_lockout_after_five_failures_per_username_and_ip(world: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        client.post(reverse("login"), {"username": "civil_a", "password": "nope-nope"})
    locked = client.post(reverse("login"), {"username": "civil_a", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same user from another address, and another user from this address, are not locked.
    other_ip = Client(REMOTE_ADDR="10.0.0.10")
    assert (
        other_ip.post(reverse("login"), {"username": "civil_a", "password": PASSWORD}).status_code
        == 302
    )
    other_user = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other_user.post(reverse("login"), {"username": "head_a", "password": PASSWORD}).status_code
        == 302
    )


def test_session_idle_timeout_settings() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME


@pytest.mark.django_db
def test_session_expires_after_thirty_idle_minutes(world: Any) -> None:
    from django.contrib.sessions.models import Session

    client = Client()
    client.force_login(world.user("head_a"))
    assert client.get(reverse("registry:resident_list")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + timedelta(minutes=30, seconds=5)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("registry:resident_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_audit_log_is_append_only() -> None:
    entry = AuditLog.objects.create(action="view", actor_username="x")
    entry.summary = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_purge_keeps_entries_younger_than_retention() -> None:
    old = AuditLog.objects.create(action="view")
    young = AuditLog.objects.create(action="view")
    # created_at is auto_now_add: backdate through SQL, as time would.
    with connection.cursor() as cur:
        table = AuditLog._meta.db_table
        cur.execute(
            f"UPDATE {table} SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=400), old.pk],
        )
        cur.execute(
            f"UPDATE {table} SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=179), young.pk],
        )
    with pytest.raises(CommandError):
        call_command("purge_audit", "--days", "30")
    call_command("purge_audit", "--days", "180")
    assert list(AuditLog.objects.values_list("pk", flat=True)) == [young.pk]


def _database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(
        [
            "pg_dump",
            "-h",
            db.get("HOST") or "127.0.0.1",
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_database_dump_holds_no_id_or_phone_in_plain_text() -> None:
    from linli.core.testing import make_world

    world = make_world()
    resident = add_resident(world, world.b_a1, "孙八", phone="+8613911112222")
    assert resident.id_number and resident.phone
    dump = _database_dump()
    assert "孙八" in dump  # the dump is real
    for secret in [
        resident.id_number,
        resident.id_number.lower(),
        "13911112222",
        resident.id_number[6:14] + resident.id_number[14:],
    ]:
        assert secret not in dump
    # ...and the values decrypt back.
    from linli.registry.models import Resident

    again = Resident.objects.get(pk=resident.pk)
    assert again.id_number == resident.id_number and again.phone == "+8613911112222"


@pytest.mark.django_db
def test_application_logs_carry_no_personal_data(world: Any, caplog: Any) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    resident = add_resident(world, world.b_a1, "周九", phone="+8613722223333")
    client = Client()
    client.force_login(world.user("head_a"))
    response = client.post(reverse("registry:resident_search"), {"q": resident.id_number})
    client.get(response["Location"])
    client.post(reverse("registry:resident_reveal", args=[resident.pk, "phone"]))
    client.get("/registry/residents/999999/")
    assert resident.id_number not in caplog.text
    assert "13722223333" not in caplog.text


@pytest.mark.django_db
def test_audit_page_only_for_head(world: Any) -> None:
    client = Client()
    client.force_login(world.user("civil_a"))
    assert client.get(reverse("audit_log")).status_code == 403
    assert AuditLog.objects.filter(action="denied", object_type="core.auditlog").exists()
    client.force_login(world.user("head_a"))
    page = client.get(reverse("audit_log") + "?action=denied")
    assert page.status_code == 200
    assert "civil_a" in page.content.decode()
    # head_b does not see community A's staff actions
    client.force_login(world.user("head_b"))
    assert "civil_a" not in client.get(reverse("audit_log")).content.decode()


@pytest.mark.django_db
def test_admin_changes_are_audited(world: Any) -> None:
    from linli.org.models import Post

    client = Client()
    client.force_login(world.user("operator"))
    post = Post.objects.get(code="party")
    response = client.post(
        f"/admin/org/post/{post.pk}/change/",
        {"code": "party", "name": "党建", "can_reveal": "on"},
    )
    assert response.status_code == 302
    entry = AuditLog.objects.get(action="update", object_type="org.post", object_id=str(post.pk))
    assert entry.actor_username == "operator" and "admin" in entry.summary
