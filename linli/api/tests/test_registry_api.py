"""The registry API: who sees which resident and household, through every endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from linli.api.auth import api_token_create
from linli.core.models import AuditLog
from linli.core.testing import add_resident
from linli.registry import services
from linli.registry.models import Resident

USERS = ["head_a", "civil_a", "governance_a", "grid_a1", "party_a", "head_b", "street", "operator"]

# Which of the three residents (grid A1, grid A2, community B) each user may see.
SEES = {
    "head_a": {"a1", "a2"},
    "civil_a": {"a1", "a2"},
    "governance_a": {"a1", "a2"},
    "grid_a1": {"a1"},
    "party_a": {"a1", "a2"},
    "head_b": {"b"},
    "street": {"a1", "a2", "b"},
    "operator": {"a1", "a2", "b"},
}
SEES_CORRECTIONS = {"head_a", "governance_a", "operator"}  # of a1, who has the tag
MAY_LIST_CORRECTIONS = SEES_CORRECTIONS | {"head_b"}  # head_b may, but a1 is not in B
MAY_REVEAL = {"head_a", "civil_a", "governance_a", "head_b", "street", "operator"}


def api_client(user: Any) -> Client:
    _row, token = api_token_create(actor=None, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def people(world: Any) -> dict[str, Resident]:
    a1 = add_resident(world, world.b_a1, "张三", "101", phone="+8613800138001")
    a2 = add_resident(world, world.b_a2, "李四", "201", phone="+8613800138002", sex="F")
    b = add_resident(world, world.b_b1, "王五", "901", phone="+8613800138003")
    services.tag_add(actor=world.user("governance_a"), resident=a1, tag="corrections")
    services.tag_add(actor=world.user("head_a"), resident=a1, tag="dibao", evidence="民政局批复")
    return {"a1": a1, "a2": a2, "b": b}


def names_for(people: dict[str, Resident], keys: set[str]) -> set[int]:
    return {people[k].pk for k in keys}


def secrets_of(people: dict[str, Resident]) -> list[bytes]:
    out = []
    for r in people.values():
        out += [r.id_number.encode(), r.phone.encode(), r.phone.removeprefix("+86").encode()]
    return out


def assert_no_secrets(content: bytes, people: dict[str, Resident]) -> None:
    for value in secrets_of(people):
        assert value not in content


# --- the scoping matrix --------------------------------------------------------------------
@pytest.mark.parametrize("username", USERS)
def test_list_scoped(world: Any, people: dict[str, Resident], username: str) -> None:
    client = api_client(world.user(username))
    response = client.get("/api/residents")
    assert response.status_code == 200
    items = response.json()["items"]
    assert {i["id"] for i in items} == names_for(people, SEES[username])
    assert_no_secrets(response.content, people)
    for item in items:
        if item["id"] == people["a1"].pk:
            assert ("corrections" in item["tags"]) == (username in SEES_CORRECTIONS)
            assert "dibao" in item["tags"]
            assert item["id_number_masked"] == people["a1"].id_number_masked
            assert item["phone_masked"] == "138****8001"
            assert item["building"] == "1栋"


@pytest.mark.parametrize("username", USERS)
def test_search_scoped(world: Any, people: dict[str, Resident], username: str) -> None:
    client = api_client(world.user(username))
    for key, person in people.items():
        for q in (person.name, person.id_number, person.phone):
            response = client.post(
                "/api/residents/search", {"q": q}, content_type="application/json"
            )
            assert response.status_code == 200
            ids = [i["id"] for i in response.json()["items"]]
            assert ids == ([person.pk] if key in SEES[username] else [])
            assert_no_secrets(response.content, people)


@pytest.mark.parametrize("username", USERS)
def test_detail_scoped(world: Any, people: dict[str, Resident], username: str) -> None:
    user = world.user(username)
    client = api_client(user)
    for key, person in people.items():
        before = AuditLog.objects.count()
        response = client.get(f"/api/residents/{person.pk}")
        entry = AuditLog.objects.order_by("-id").first()
        assert AuditLog.objects.count() == before + 1
        assert entry is not None and entry.actor_id == user.pk
        assert entry.object_id == str(person.pk)
        if key in SEES[username]:
            assert response.status_code == 200
            body = response.json()
            assert body["id"] == person.pk and body["name"] == person.name
            assert entry.action == "view" and entry.outcome == "success"
            assert_no_secrets(response.content, people)
            history = {t["tag"] for t in body["tag_history"]}
            if key == "a1":
                assert ("corrections" in history) == (username in SEES_CORRECTIONS)
                assert ("corrections" in body["tags"]) == (username in SEES_CORRECTIONS)
                assert b"corrections" in response.content or username not in SEES_CORRECTIONS
                dibao = next(t for t in body["tag_history"] if t["tag"] == "dibao")
                assert dibao["evidence"] == "民政局批复" and dibao["review_date"] is not None
                assert dibao["is_current"] is True
            assert [m["resident_id"] for m in body["household_members"]] == [person.pk]
            assert body["memberships"][0]["relation"] == "head"
        else:
            assert response.status_code == 404
            assert entry.action == "denied" and entry.outcome == "denied"
            assert person.name.encode() not in response.content


@pytest.mark.parametrize("username", USERS)
def test_reveal_scoped(world: Any, people: dict[str, Resident], username: str) -> None:
    user = world.user(username)
    client = api_client(user)
    for key, person in people.items():
        for field, value in (("id_number", person.id_number), ("phone", person.phone)):
            response = client.post(
                f"/api/residents/{person.pk}/reveal",
                {"field": field},
                content_type="application/json",
            )
            entry = AuditLog.objects.order_by("-id").first()
            assert entry is not None and entry.actor_id == user.pk
            if key not in SEES[username]:
                assert response.status_code == 404
                assert entry.action == "denied"
            elif username in MAY_REVEAL:
                assert response.status_code == 200
                assert response.json() == {"field": field, "value": value}
                assert (entry.action, entry.outcome, entry.summary) == ("reveal", "success", field)
            else:
                assert response.status_code == 403
                assert value.encode() not in response.content
                assert (entry.action, entry.outcome) == ("reveal", "denied")


@pytest.mark.parametrize("username", USERS)
def test_households_scoped(world: Any, people: dict[str, Resident], username: str) -> None:
    client = api_client(world.user(username))
    response = client.get("/api/households")
    assert response.status_code == 200
    households = {p.household_id: k for k, p in people.items()}
    seen = {i["id"] for i in response.json()["items"]}
    assert seen == {hid for hid, k in households.items() if k in SEES[username]}
    for hid, key in households.items():
        before = AuditLog.objects.count()
        response = client.get(f"/api/households/{hid}")
        if key in SEES[username]:
            assert response.status_code == 200
            body = response.json()
            assert body["head_id"] == people[key].pk
            assert body["members"][0]["name"] == people[key].name
            assert body["members"][0]["is_current"] is True
            assert_no_secrets(response.content, people)
        else:
            assert response.status_code == 404
            entry = AuditLog.objects.order_by("-id").first()
            assert AuditLog.objects.count() == before + 1
            assert entry is not None and entry.action == "denied"
            assert entry.object_type == "registry.household"


# --- restricted groups and filters ---------------------------------------------------------
@pytest.mark.parametrize("username", USERS)
def test_restricted_tag_filter(world: Any, people: dict[str, Resident], username: str) -> None:
    client = api_client(world.user(username))
    response = client.get("/api/residents", {"tag": "corrections"})
    if username in MAY_LIST_CORRECTIONS:
        assert response.status_code == 200
        expected = [people["a1"].pk] if "a1" in SEES[username] else []
        assert [i["id"] for i in response.json()["items"]] == expected
    else:
        assert response.status_code == 403
        assert "detail" in response.json()
        entry = AuditLog.objects.order_by("-id").first()
        assert entry is not None and entry.action == "denied"


def test_filters(world: Any, people: dict[str, Resident]) -> None:
    client = api_client(world.user("street"))

    def ids(**params: Any) -> set[int]:
        response = client.get("/api/residents", params)
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids(community=world.a.pk) == names_for(people, {"a1", "a2"})
    assert ids(grid=world.a2.pk) == names_for(people, {"a2"})
    assert ids(building=world.b_b1.pk) == names_for(people, {"b"})
    assert ids(tag="dibao") == names_for(people, {"a1"})
    assert ids(sex="F") == names_for(people, {"a2"})
    assert ids(hukou_type="nonlocal") == set()
    assert ids(age_min=40, age_max=60) == names_for(people, {"a1", "a2", "b"})
    assert ids(age_min=80) == set()
    assert ids(status="moved_out") == set()
    # A community outside the user's area is simply empty, not an error.
    assert {
        i["id"]
        for i in api_client(world.user("head_b"))
        .get("/api/residents", {"community": world.a.pk})
        .json()["items"]
    } == set()


def test_elderly_80_is_derived(world: Any) -> None:
    from datetime import date

    old = add_resident(world, world.b_a1, "赵老", "102", birth=date(1930, 5, 6))
    client = api_client(world.user("head_a"))
    items = client.get("/api/residents", {"tag": "elderly_80"}).json()["items"]
    assert [i["id"] for i in items] == [old.pk]
    assert "elderly_80" in items[0]["tags"]
    assert "elderly_80" in client.get(f"/api/residents/{old.pk}").json()["tags"]


# --- invalid input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"after": "not-a-cursor"},
        {"limit": 201},
        {"limit": 0},
        {"limit": "ten"},
        {"tag": "no_such_group"},
        {"sex": "X"},
        {"hukou_type": "mars"},
        {"status": "gone"},
        {"age_min": -1},
        {"age_min": 70, "age_max": 60},
        {"community": "abc"},
    ],
)
def test_list_invalid_input(
    world: Any, people: dict[str, Resident], params: dict[str, Any]
) -> None:
    response = api_client(world.user("head_a")).get("/api/residents", params)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_validation_error_names_the_field(world: Any) -> None:
    response = api_client(world.user("head_a")).get("/api/residents", {"limit": 500})
    body = response.json()
    assert response.status_code == 400
    assert [e["field"] for e in body["errors"]] == ["limit"]
    assert "limit" in body["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 101},
        {"q": "张", "limit": 1000},
        {"q": "张", "tag": "nope"},
    ],
)
def test_search_invalid_input(world: Any, body: dict[str, Any]) -> None:
    response = api_client(world.user("head_a")).post(
        "/api/residents/search", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_search_malformed_json(world: Any) -> None:
    response = api_client(world.user("head_a")).post(
        "/api/residents/search", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_reveal_invalid_field(world: Any, people: dict[str, Resident]) -> None:
    client = api_client(world.user("head_a"))
    for body in ({"field": "name"}, {"field": "notes"}, {}):
        response = client.post(
            f"/api/residents/{people['a1'].pk}/reveal", body, content_type="application/json"
        )
        assert response.status_code == 400
    assert not AuditLog.objects.filter(action="reveal").exists()


def test_detail_invalid_and_missing_ids(world: Any) -> None:
    client = api_client(world.user("operator"))
    assert client.get("/api/residents/abc").status_code in (400, 404)
    assert client.get("/api/residents/999999").status_code == 404
    assert client.get("/api/households/999999").status_code == 404
    assert client.get("/api/households", {"after": "x1"}).status_code == 400
    assert client.get("/api/households", {"limit": 201}).status_code == 400


# --- audit of searches ---------------------------------------------------------------------
def test_search_by_id_or_phone_is_audited_without_the_value(
    world: Any, people: dict[str, Resident]
) -> None:
    user = world.user("head_a")
    client = api_client(user)
    person = people["a1"]
    client.post("/api/residents/search", {"q": person.id_number}, content_type="application/json")
    client.post("/api/residents/search", {"q": "138 0013 8001"}, content_type="application/json")
    client.post("/api/residents/search", {"q": "张"}, content_type="application/json")
    entries = list(AuditLog.objects.filter(action="search", actor_id=user.pk).order_by("id"))
    assert [e.summary for e in entries] == ["id", "phone"]
    dump = json.dumps([[e.summary, e.changes, e.object_id] for e in AuditLog.objects.all()])
    assert person.id_number not in dump and "13800138001" not in dump


def test_search_finds_by_phone_in_any_format(world: Any, people: dict[str, Resident]) -> None:
    client = api_client(world.user("head_a"))
    for q in ("13800138002", "+86 138-0013-8002", "李四", "ls", "lisi"):
        items = client.post(
            "/api/residents/search", {"q": q}, content_type="application/json"
        ).json()["items"]
        assert [i["id"] for i in items] == [people["a2"].pk], q


# --- pagination ----------------------------------------------------------------------------
def test_keyset_pagination_walks_every_row_once(world: Any) -> None:
    names = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳", "徐明"]
    created = []
    for i in range(23):
        building = world.b_a1 if i % 2 else world.b_a2
        created.append(add_resident(world, building, names[i % len(names)], f"{300 + i}"))
    add_resident(world, world.b_b1, "王伟", "999")  # outside head_a's area
    client = api_client(world.user("head_a"))
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["after"] = cursor
        body = client.get("/api/residents", params).json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        assert b"wang" not in json.dumps(body).encode()  # the cursor carries no pinyin name
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 5
    assert sorted(seen) == sorted(r.pk for r in created)
    assert len(seen) == len(set(seen))


def test_search_pagination(world: Any) -> None:
    created = [add_resident(world, world.b_a1, "王伟", f"{400 + i}") for i in range(7)]
    client = api_client(world.user("grid_a1"))
    seen: list[int] = []
    body: dict[str, Any] = {"q": "王", "limit": 3}
    while True:
        page = client.post("/api/residents/search", body, content_type="application/json").json()
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        body["after"] = page["next_cursor"]
    assert sorted(seen) == sorted(r.pk for r in created)


def test_cursor_cannot_be_forged(world: Any, people: dict[str, Resident]) -> None:
    import base64
    import json

    from linli.registry import selectors

    client = api_client(world.user("head_a"))
    real = selectors.encode_cursor(people["a1"])
    assert client.get("/api/residents", {"after": real}).status_code == 200
    assert people["a1"].name_pinyin not in real
    tampered = real[:-3] + ("A" if real[-3] != "A" else "B") + real[-2:]
    plain = base64.urlsafe_b64encode(json.dumps(["residents", "a", 1]).encode()).decode()
    for forged in (tampered, plain):
        assert client.get("/api/residents", {"after": forged}).status_code == 400


def test_household_pagination(world: Any) -> None:
    created = [add_resident(world, world.b_a2, "张敏", f"{500 + i}") for i in range(9)]
    client = api_client(world.user("civil_a"))
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 4, "building": world.b_a2.pk}
    while True:
        page = client.get("/api/households", params).json()
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        params["after"] = page["next_cursor"]
    assert sorted(seen) == sorted({r.household_id or 0 for r in created})
    assert len(seen) == len(set(seen))


def test_household_history_shows_past_members(world: Any, people: dict[str, Resident]) -> None:
    op = world.user("operator")
    person = people["a2"]
    old_household = person.household_id
    dwelling = services.dwelling_get_or_create(
        actor=op, building=world.b_a1, entrance=1, room="808"
    )
    new = services.household_for_dwelling(actor=op, dwelling=dwelling)
    services.resident_move(actor=op, resident=person, household=new, relation="head", reason="搬家")
    client = api_client(world.user("head_a"))
    body = client.get(f"/api/households/{old_household}").json()
    assert body["member_count"] == 0 and body["head_id"] is None
    [member] = body["members"]
    assert member["resident_id"] == person.pk and member["is_current"] is False
    assert member["left_on"] is not None and member["left_reason"] == "搬家"
    detail = client.get(f"/api/residents/{person.pk}").json()
    assert [m["left_on"] is None for m in detail["memberships"]] == [True, False]


def test_logs_carry_no_personal_data(
    world: Any, people: dict[str, Resident], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    person = people["a1"]
    for username in ("head_a", "party_a", "head_b"):
        client = api_client(world.user(username))
        for q in (person.id_number, person.phone, "bad" + person.id_number):
            client.post("/api/residents/search", {"q": q}, content_type="application/json")
        client.post(
            "/api/residents/search",
            {"q": person.id_number, "limit": 999},
            content_type="application/json",
        )
        client.get(f"/api/residents/{person.pk}")
        client.post(
            f"/api/residents/{person.pk}/reveal",
            {"field": "id_number"},
            content_type="application/json",
        )
    Client(headers={"Authorization": f"Bearer {person.id_number}"}).get("/api/residents")
    for value in (person.id_number, person.phone, person.phone.removeprefix("+86")):
        assert value not in caplog.text
