"""Who may call the API at all: tokens, sessions, CSRF, the token command and the admin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from linli.api.auth import api_token_create, api_token_revoke
from linli.api.models import ApiToken, hash_token
from linli.core.models import AuditLog
from linli.core.testing import PASSWORD, add_resident

ENDPOINTS = [
    ("get", "/api/residents", None),
    ("post", "/api/residents/search", {"q": "张"}),
    ("get", "/api/residents/{r}", None),
    ("post", "/api/residents/{r}/reveal", {"field": "phone"}),
    ("get", "/api/households", None),
    ("get", "/api/households/{h}", None),
]


def call(client: Client, method: str, path: str, body: Any, resident: Any) -> Any:
    url = path.format(r=resident.pk, h=resident.household_id)
    if method == "get":
        return client.get(url)
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def resident(world: Any) -> Any:
    return add_resident(world, world.b_a1, "张三", "101")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_no_credentials_is_401(
    world: Any, resident: Any, method: str, path: str, body: Any
) -> None:
    response = call(Client(), method, path, body, resident)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Bearer"
    assert "张三" not in response.content.decode()


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_revoked_token_is_401(world: Any, resident: Any, method: str, path: str, body: Any) -> None:
    row, token = api_token_create(actor=None, user=world.user("head_a"), name="laptop")
    api_token_revoke(actor=None, token=row)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    response = call(client, method, path, body, resident)
    assert response.status_code == 401
    entry = AuditLog.objects.order_by("-id").first()
    assert entry is not None
    assert (entry.action, entry.outcome, entry.object_id) == ("login_failed", "denied", str(row.pk))
    assert token not in str(entry.summary) + str(entry.changes)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer ",
        "Bearer " + "x" * 500,
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "bearer",
    ],
)
def test_bad_headers_are_401(world: Any, resident: Any, header: str) -> None:
    response = Client(headers={"Authorization": header}).get("/api/residents")
    assert response.status_code == 401


def test_unknown_token_is_audited_without_the_token(world: Any) -> None:
    Client(headers={"Authorization": "Bearer guessed-token-value"}).get("/api/residents")
    entry = AuditLog.objects.get(action="login_failed")
    assert entry.outcome == "denied" and entry.actor_id is None
    text = f"{entry.summary} {entry.changes} {entry.object_id} {entry.actor_username}"
    assert "guessed" not in text


def test_valid_token_works_and_records_last_use(world: Any, resident: Any) -> None:
    row, token = api_token_create(actor=None, user=world.user("grid_a1"), name="phone")
    assert row.last_used_at is None
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/residents")
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [resident.pk]
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_token_is_stored_only_as_hash(world: Any) -> None:
    row, token = api_token_create(actor=None, user=world.user("head_a"), name="x")
    assert row.key_hash == hash_token(token) != token
    assert row.prefix == token[:8]
    assert len(token) >= 40
    created = AuditLog.objects.get(action="create", object_type="api.apitoken")
    assert token not in created.summary


def test_token_of_non_staff_or_inactive_user_is_401(world: Any) -> None:
    User = get_user_model()
    outsider = User.objects.create_user("outsider", password=PASSWORD)
    with pytest.raises(ValidationError):
        api_token_create(actor=None, user=outsider, name="x")
    # A token whose owner lost their staff record or was deactivated stops working.
    user = world.user("party_a")
    _row, token = api_token_create(actor=None, user=user, name="x")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/residents").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/residents").status_code == 401
    user.is_active = True
    user.save()
    user.staff.delete()
    assert client.get("/api/residents").status_code == 401


def test_session_auth_for_logged_in_staff(world: Any, resident: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("civil_a"))
    response = client.get("/api/residents")
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [resident.pk]
    # Unsafe methods need the CSRF token.
    url = f"/api/residents/{resident.pk}/reveal"
    refused = client.post(url, {"field": "phone"}, content_type="application/json")
    assert refused.status_code == 403
    assert not AuditLog.objects.filter(action="reveal").exists()
    csrf = "k" * 32  # an unmasked CSRF secret, as the csrftoken cookie carries it
    client.cookies["csrftoken"] = csrf
    allowed = client.post(
        url, {"field": "phone"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert allowed.status_code == 200
    assert AuditLog.objects.filter(action="reveal", outcome="success").count() == 1


def test_session_of_non_staff_user_is_401(world: Any) -> None:
    visitor = get_user_model().objects.create_user("visitor", password=PASSWORD)
    client = Client()
    client.force_login(visitor)
    assert client.get("/api/residents").status_code == 401


def test_bad_token_with_session_cookie_falls_back_to_session(world: Any) -> None:
    client = Client(headers={"Authorization": "Bearer wrong"})
    client.force_login(world.user("head_a"))
    assert client.get("/api/residents").status_code == 200


# --- manage.py api_token -------------------------------------------------------------------
def run(*args: str) -> str:
    out = io.StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_command_create_list_revoke(world: Any) -> None:
    output = run("create", "head_a", "--name", "reporting script")
    token = output.splitlines()[1]
    row = ApiToken.objects.get()
    assert row.key_hash == hash_token(token) and row.name == "reporting script"
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/residents").status_code == 200

    listing = run("list")
    assert row.prefix in listing and "head_a" in listing and token not in listing

    assert "revoked" in run("revoke", row.prefix)
    assert client.get("/api/residents").status_code == 401
    assert run("list") == ""
    assert "revoked" in run("list", "--all")
    with pytest.raises(CommandError):
        run("revoke", row.prefix)


def test_command_refuses_bad_input(world: Any) -> None:
    with pytest.raises(CommandError):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("create", "head_a", "--name", "  ")
    get_user_model().objects.create_user("visitor", password=PASSWORD)
    with pytest.raises(CommandError):
        run("create", "visitor", "--name", "x")
    with pytest.raises(CommandError):
        run("revoke", "zzzzzzzz")
    assert not ApiToken.objects.exists()


# --- admin -------------------------------------------------------------------------------
def test_admin_lists_and_revokes(world: Any) -> None:
    row, token = api_token_create(actor=None, user=world.user("head_a"), name="x")
    client = Client()
    client.force_login(world.user("operator"))
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200
    assert row.prefix in page.content.decode() and token not in page.content.decode()
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    entry = AuditLog.objects.filter(object_type="api.apitoken", action="update").get()
    assert entry.actor_username == "operator"
