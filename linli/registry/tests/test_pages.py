"""Registry pages: what each role sees, and who is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.core.models import AuditLog
from linli.core.testing import add_resident
from linli.registry import services
from linli.registry.models import Resident, ResidentTag

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: Any) -> dict[str, Resident]:
    return {
        "a1": add_resident(world, world.b_a1, "张三", room="101"),
        "a2": add_resident(world, world.b_a2, "李四", room="202"),
        "b": add_resident(world, world.b_b1, "王五", room="1203"),
    }


def login(client: Client, username: str) -> Client:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def search(client: Client, q: str, **filters: str) -> Any:
    response = client.post(reverse("registry:resident_search"), {"q": q, **filters})
    assert response.status_code == 302
    return client.get(response["Location"])


# Which residents each role may open: grid worker only A1; heads their community; street both.
VISIBLE = {
    "grid_a1": {"a1"},
    "head_a": {"a1", "a2"},
    "civil_a": {"a1", "a2"},
    "party_a": {"a1", "a2"},
    "head_b": {"b"},
    "street": {"a1", "a2", "b"},
    "operator": {"a1", "a2", "b"},
}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_scope_matrix_on_pages(client: Client, people: dict[str, Resident], username: str) -> None:
    login(client, username)
    listing = client.get(reverse("registry:resident_list")).content.decode()
    for key, resident in people.items():
        allowed = key in VISIBLE[username]
        assert (resident.name in listing) is allowed, (username, key, "list")
        detail = client.get(reverse("registry:resident_detail", args=[resident.pk]))
        assert detail.status_code == (200 if allowed else 404), (username, key, "detail")
        found = search(client, resident.name).content.decode()
        assert (reverse("registry:resident_detail", args=[resident.pk]) in found) is allowed
        household = client.get(reverse("registry:household_detail", args=[resident.household_id]))
        assert household.status_code == (200 if allowed else 404)
        building = client.get(reverse("registry:building_detail", args=[resident.building_id]))
        assert building.status_code == (200 if allowed else 404)


def test_anonymous_is_sent_to_login(client: Client, people: dict[str, Resident]) -> None:
    for url in [
        reverse("registry:resident_list"),
        reverse("registry:resident_detail", args=[people["a1"].pk]),
        reverse("registry:profile"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_refused_detail_is_audited(client: Client, people: dict[str, Resident]) -> None:
    login(client, "head_b")
    client.get(reverse("registry:resident_detail", args=[people["a1"].pk]))
    entry = AuditLog.objects.get(action="denied", object_id=str(people["a1"].pk))
    assert entry.actor_username == "head_b"


def test_detail_is_masked_and_view_is_audited(client: Client, people: dict[str, Resident]) -> None:
    resident = people["a1"]
    login(client, "grid_a1")
    page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
    assert resident.id_number not in page
    assert resident.id_number_masked in page
    assert "13800138000" not in page
    assert "138****8000" in page
    assert "hx-post" not in page  # no reveal button for a post that may not reveal
    assert AuditLog.objects.filter(
        action="view", object_id=str(resident.pk), actor_username="grid_a1"
    ).exists()


def test_reveal_allowed_for_head_and_audited(client: Client, people: dict[str, Resident]) -> None:
    resident = people["a1"]
    login(client, "head_a")
    url = reverse("registry:resident_reveal", args=[resident.pk, "id_number"])
    response = client.post(url)
    assert response.status_code == 200
    assert resident.id_number in response.content.decode()
    entry = AuditLog.objects.get(action="reveal", object_id=str(resident.pk))
    assert entry.outcome == "success" and entry.summary == "id_number"
    assert resident.id_number not in str(entry.changes) + entry.summary


@pytest.mark.parametrize("username", ["grid_a1", "party_a"])
def test_reveal_refused_without_post(
    client: Client, people: dict[str, Resident], username: str
) -> None:
    resident = people["a1"]
    login(client, username)
    response = client.post(reverse("registry:resident_reveal", args=[resident.pk, "phone"]))
    assert response.status_code == 403
    assert "13800138000" not in response.content.decode()
    assert AuditLog.objects.filter(action="reveal", outcome="denied").count() == 1


def test_reveal_by_outsider_is_404(client: Client, people: dict[str, Resident]) -> None:
    login(client, "head_b")
    response = client.post(reverse("registry:resident_reveal", args=[people["a1"].pk, "id_number"]))
    assert response.status_code == 404


def test_search_by_pinyin_initials_id_phone_and_address(
    client: Client, people: dict[str, Resident]
) -> None:
    login(client, "head_a")
    a1 = people["a1"]
    detail = reverse("registry:resident_detail", args=[a1.pk])
    for q in ["zs", "zhangsan", "张", a1.id_number.lower(), "138 0013 8000", "1栋101"]:
        page = search(client, q).content.decode()
        assert detail in page, q
    # the query text never appears in a URL
    response = client.post(reverse("registry:resident_search"), {"q": a1.id_number})
    assert a1.id_number not in response["Location"]
    assert AuditLog.objects.filter(action="search", actor_username="head_a").exists()


def test_restricted_tag_visible_only_to_governance_and_head(
    client: Client, world: Any, people: dict[str, Resident]
) -> None:
    resident = people["a2"]
    services.tag_add(
        actor=world.user("governance_a"), resident=resident, tag="corrections", evidence="矫正期"
    )
    for username, sees in [("governance_a", True), ("head_a", True), ("civil_a", False)]:
        client.logout()
        login(client, username)
        page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
        assert ("矫正期" in page) is sees, username
        listing = client.get(reverse("registry:resident_list") + "?tag=corrections")
        if sees:
            assert resident.name in listing.content.decode()
        else:
            assert listing.status_code == 302  # refused with a message


def test_tag_add_and_end_keep_history(
    client: Client, world: Any, people: dict[str, Resident]
) -> None:
    resident = people["a1"]
    login(client, "civil_a")
    response = client.post(
        reverse("registry:tag_add", args=[resident.pk]),
        {"tag": "dibao", "evidence": "2026年低保审批", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302
    item = ResidentTag.objects.get(resident=resident, tag="dibao")
    assert item.review_date is not None and item.review_date.year == 2027  # yearly review
    client.post(
        reverse("registry:tag_end", args=[item.pk]), {"on": "2026-06-30", "reason": "收入超标"}
    )
    item.refresh_from_db()
    assert str(item.valid_to) == "2026-06-30"
    assert ResidentTag.objects.filter(resident=resident).count() == 1


def test_civil_affairs_cannot_add_restricted_tag(
    client: Client, people: dict[str, Resident]
) -> None:
    login(client, "civil_a")
    client.post(
        reverse("registry:tag_add", args=[people["a1"].pk]),
        {"tag": "corrections", "valid_from": "2026-01-01"},
    )
    assert not ResidentTag.objects.filter(tag="corrections").exists()


def test_create_resident_with_bad_id_shows_field_error(client: Client, world: Any) -> None:
    login(client, "head_a")
    response = client.post(
        reverse("registry:resident_create"),
        {
            "name": "赵六",
            "id_number": "110105194912310021",
            "hukou_type": "local",
            "building": str(world.b_a1.pk),
            "entrance": "1",
            "room": "301",
            "relation": "head",
            "on": "2026-11-01",
        },
    )
    assert response.status_code == 200
    assert "check character" in response.content.decode() or "校验" in response.content.decode()
    assert not Resident.objects.filter(name="赵六").exists()


def test_create_resident_and_move(client: Client, world: Any) -> None:
    from linli.lib.id_card import make_id_number

    login(client, "head_a")
    number = make_id_number("440305", __import__("datetime").date(1990, 5, 6), 3, "F")
    response = client.post(
        reverse("registry:resident_create"),
        {
            "name": "钱七",
            "id_number": number,
            "phone": "13912345678",
            "hukou_type": "nonlocal",
            "building": str(world.b_a1.pk),
            "entrance": "1",
            "room": "301",
            "relation": "head",
            "on": "2026-11-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    r = Resident.objects.get(name="钱七")
    assert r.sex == "F" and str(r.birth_date) == "1990-05-06"
    assert r.grid_id == world.a1.pk and r.household is not None and r.household.head_id == r.pk
    old_household = r.household_id
    response = client.post(
        reverse("registry:resident_move", args=[r.pk]),
        {
            "building": str(world.b_a2.pk),
            "entrance": "2",
            "room": "502",
            "relation": "head",
            "on": "2026-11-20",
            "reason": "换租",
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.grid_id == world.a2.pk and r.household_id != old_household
    assert r.memberships.count() == 2
    assert r.memberships.filter(left_on__isnull=False).count() == 1
    # the grid worker of A1 no longer sees the resident
    client.logout()
    login(client, "grid_a1")
    assert client.get(reverse("registry:resident_detail", args=[r.pk])).status_code == 404


def test_profile_counts(client: Client, people: dict[str, Resident]) -> None:
    login(client, "head_a")
    page = client.get(reverse("registry:profile"))
    assert page.status_code == 200
    assert page.context["data"]["total"] == 2
    login(client, "street")
    assert client.get(reverse("registry:profile")).context["data"]["total"] == 3


def test_keyset_pagination_walks_every_row_once(client: Client, world: Any) -> None:
    names = [f"居民{i:03d}" for i in range(120)]
    for i, name in enumerate(names):
        add_resident(world, world.b_a1, name, room=f"{100 + i}")
    login(client, "head_a")
    seen: list[str] = []
    url = reverse("registry:resident_list")
    for _ in range(10):
        response = client.get(url)
        rows = response.context["page"].rows
        seen.extend(r.name for r in rows)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        url = reverse("registry:resident_list") + f"?after={cursor}"
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(set(seen))


def test_polyphonic_surnames_found_by_character_and_initials(client: Client, world: Any) -> None:
    shan = add_resident(world, world.b_a1, "单田芳", room="401")
    zeng = add_resident(world, world.b_a1, "曾志伟", room="402")
    login(client, "head_a")
    for q, who in [
        ("单", shan),
        ("stf", shan),
        ("shantianfang", shan),
        ("曾", zeng),
        ("zzw", zeng),
    ]:
        page = search(client, q).content.decode()
        assert reverse("registry:resident_detail", args=[who.pk]) in page, q
    assert (
        reverse("registry:resident_detail", args=[shan.pk])
        not in search(client, "dtf").content.decode()
    )


def test_edit_keeps_hidden_values_and_can_remove_the_phone(
    client: Client, people: dict[str, Resident]
) -> None:
    resident = people["a1"]
    login(client, "civil_a")
    form = {
        "name": "张三丰",
        "hukou_type": "local",
        "sex": "M",
        "birth_date": str(resident.birth_date),
    }
    response = client.post(reverse("registry:resident_edit", args=[resident.pk]), form)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == "张三丰" and resident.name_initials == "zsf"
    assert resident.id_number and resident.phone == "+8613800138000"  # empty means unchanged
    entry = AuditLog.objects.filter(action="update", object_id=str(resident.pk)).latest("id")
    assert entry.changes["name"] == ["张三", "张三丰"]
    client.post(reverse("registry:resident_edit", args=[resident.pk]), {**form, "clear_phone": "1"})
    resident.refresh_from_db()
    assert resident.phone == "" and resident.phone_hash == ""
    entry = AuditLog.objects.filter(action="update", object_id=str(resident.pk)).latest("id")
    assert entry.changes["phone"] == ["***", "***"]
