"""Demo data: realistic, consistent, deterministic; demo logins with the right posts and scopes."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from linli.core.access import get_scope
from linli.core.keys import blind
from linli.lib.id_card import parse_id_number
from linli.lib.phone import normalize_phone
from linli.lib.pinyin import name_pinyin
from linli.org.models import Community, Grid, Subdistrict
from linli.registry import demo
from linli.registry.models import Building, Household, Membership, Resident, ResidentTag

TODAY = date(2026, 6, 1)


@pytest.fixture
def loaded(db: Any) -> None:
    out = StringIO()
    call_command("demo_data", "--residents", "300", "--seed", "7", stdout=out, stderr=StringIO())
    assert "Loaded 300 demo residents" in out.getvalue()


def test_places(loaded: None) -> None:
    sd = Subdistrict.objects.get()
    assert (sd.code, sd.name) == ("440305001", "南头街道")
    communities = list(Community.objects.order_by("code"))
    assert [c.name for c in communities] == ["安乐社区", "大新社区"]
    assert all(c.address.startswith("深圳市南山区南头街道") and c.hotline for c in communities)
    grids = list(Grid.objects.all())
    assert len(grids) == 6
    assert all(len(g.code) == 20 and g.code.isdigit() for g in grids)
    assert all(g.code.startswith(g.community.code) for g in grids)
    for b in Building.objects.select_related("grid"):
        assert b.grid.community_id == b.community_id
        assert b.name.endswith(("栋", "座", "号")) and b.dwellings.exists()


def test_id_numbers_valid_unique_and_consistent(loaded: None) -> None:
    residents = list(Resident.objects.all())
    assert len(residents) == 300
    numbers = [r.id_number for r in residents]
    assert len(set(numbers)) == 300
    for r in residents:
        info = parse_id_number(r.id_number)
        assert info.birth_date == r.birth_date
        assert info.sex == r.sex
        assert r.id_number_hash == blind(r.id_number)
        assert (r.name_pinyin, r.name_initials) == name_pinyin(r.name)
        assert 2 <= len(r.name) <= 4
        if r.phone:
            assert normalize_phone(r.phone) == r.phone
            assert r.phone_hash == blind(r.phone)
        if r.age() >= 18:
            assert r.education and r.employment and r.marital_status


def test_households_consistent(loaded: None) -> None:
    for r in Resident.objects.select_related("household__dwelling__building"):
        open_ms = list(r.memberships.filter(left_on__isnull=True))
        assert len(open_ms) == 1
        assert open_ms[0].household_id == r.household_id
        assert r.household is not None
        dwelling = r.household.dwelling
        assert r.dwelling_id == dwelling.pk
        assert r.building_id == dwelling.building_id
        assert r.grid_id == dwelling.building.grid_id
        assert r.community_id == dwelling.building.community_id
    households = Household.objects.annotate(
        heads=Count("memberships", filter=Q(memberships__relation="head"))
    )
    for h in households:
        assert h.heads == 1
        head = Membership.objects.get(household=h, relation="head").resident_id
        assert h.head_id == head
    # Couples are married; children are younger than the head.
    for m in Membership.objects.filter(relation="child").select_related(
        "resident", "household__head"
    ):
        head_of = m.household.head
        assert head_of is not None and m.resident.birth_date > head_of.birth_date


def test_tags_plausible() -> None:
    """Rates on a larger sample, generated in memory (no database needed)."""
    gen = demo.DemoGenerator(6000, seed=3, today=TODAY)
    residents: list[Any] = []
    tags: list[Any] = []
    for batch in gen.batches():
        residents += batch.objects[Resident]
        tags += batch.objects[ResidentTag]
    n = len(residents)
    assert n == 6000
    people = {r.pk: r for r in residents}
    counts = Counter(t.tag for t in tags)
    assert 0.3 < counts["floating"] / n < 0.75
    assert 0.01 < counts["disabled"] / n < 0.04
    assert 0.002 < counts["dibao"] / n < 0.025
    assert 0.001 < counts["veteran"] / n < 0.01
    assert counts["corrections"] / n < 0.002
    assert counts["elderly_alone"] > 0 and counts["elderly_empty_nest"] > 0
    assert "elderly_80" not in counts
    for t in tags:
        r = people[t.resident_id]
        assert t.evidence and t.valid_from <= TODAY and t.valid_from >= r.birth_date
        if t.tag == "floating":
            assert r.hukou_type == "nonlocal"
        if t.tag in {"elderly_alone", "elderly_empty_nest"}:
            assert r.age(TODAY) >= 60
        if t.tag == "disabled":
            assert r.disability_kind and r.disability_grade in (1, 2, 3, 4)
        if t.tag in {"dibao", "tekun"}:
            assert t.review_date is not None and r.hukou_type != "nonlocal"
    surnames = Counter(r.name[0] for r in residents)
    assert {s for s, _ in surnames.most_common(6)} <= {"王", "李", "张", "刘", "陈", "黄", "杨"}
    assert Counter(r.ethnicity for r in residents).most_common(1)[0][0] == "汉族"


def test_deterministic_for_a_seed() -> None:
    def names(seed: int) -> list[tuple[str, str]]:
        gen = demo.DemoGenerator(500, seed=seed, today=TODAY)
        return [
            (r.name, r.id_number)
            for b in gen.batches()
            for r in b.objects[Resident]
            if isinstance(r, Resident)
        ]

    assert names(5) == names(5)
    assert names(5) != names(6)


def test_once_is_idempotent(loaded: None) -> None:
    out = StringIO()
    call_command("demo_data", "--once", stdout=out, stderr=StringIO())
    assert "already loaded" in out.getvalue()
    assert Resident.objects.count() == 300
    with pytest.raises(CommandError):
        call_command("demo_data", "--residents", "10", stdout=StringIO(), stderr=StringIO())


def test_refused_in_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_data", "--residents", "10", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("demo_logins", stdout=StringIO())
    assert not Resident.objects.exists()


def test_sequences_continue_after_demo(loaded: None) -> None:
    """Explicit primary keys must not break ordinary inserts afterwards."""
    building = Building.objects.first()
    assert building is not None
    b = Building.objects.create(
        community_id=building.community_id, grid_id=building.grid_id, code="999", name="新楼"
    )
    assert b.pk > Building.objects.exclude(pk=b.pk).order_by("-pk")[0].pk


def test_demo_logins(loaded: None) -> None:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "Linli-demo-2026" in text and "head" in text and "站长/主任" in text
    anle = Community.objects.get(name="安乐社区")
    grid1 = Grid.objects.filter(community=anle).order_by("code")[0]
    sd = Subdistrict.objects.get()
    expected = {
        "head": "head",
        "civil": "civil_affairs",
        "family": "family_planning",
        "floating": "floating_population",
        "disability": "disability",
        "governance": "governance",
        "labour": "labour",
        "urban": "urban_management",
        "party": "party",
        "grid1": "grid_worker",
        "street": "civil_affairs",
    }
    User = get_user_model()
    for username, post in expected.items():
        user = User.objects.get(username=username)
        assert not user.is_superuser
        assert user.check_password(demo.DEMO_PASSWORD)
        scope = get_scope(user)
        assert scope.post_codes == frozenset({post})
        if username == "grid1":
            assert scope.grid_ids == frozenset({grid1.pk}) and not scope.community_ids
        elif username == "street":
            assert scope.community_ids == frozenset(
                Community.objects.filter(subdistrict=sd).values_list("id", flat=True)
            )
        else:
            assert scope.community_ids == frozenset({anle.pk}) and not scope.grid_ids
    assert get_scope(User.objects.get(username="governance")).can_see_restricted
    assert not get_scope(User.objects.get(username="party")).can_reveal
    # Running it again changes nothing.
    call_command("demo_logins", stdout=StringIO())
    assert User.objects.filter(username__in=expected).count() == len(expected)


def test_demo_logins_need_demo_data(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("demo_logins", stdout=StringIO())
