"""A small fixed world for tests: one subdistrict, two communities, and staff in every role.

community A (grids A1, A2; buildings 1栋 in A1, 2栋 in A2)
community B (grid B1; building 9栋)
head_a        head of community A (reveal, restricted, audit, import, export)
civil_a       civil affairs in A (reveal, import, export)
governance_a  governance in A (reveal, restricted)
grid_a1       grid worker of grid A1 only (import, no reveal)
party_a       party building in A (nothing extra)
head_b        head of community B (the outsider for A)
street        subdistrict staff (both communities, civil affairs)
operator      superuser
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from linli.lib.id_card import make_id_number
from linli.org.models import Community, Grid, Post, Staff, Subdistrict
from linli.org.posts import ensure_default_posts
from linli.registry.models import Building, Resident
from linli.registry.validation import ResidentData

PASSWORD = "Linli-test-2026"


@dataclass
class World:
    subdistrict: Subdistrict
    a: Community
    b: Community
    a1: Grid
    a2: Grid
    b1: Grid
    b_a1: Building
    b_a2: Building
    b_b1: Building
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, name: str) -> Any:
        return self.users[name]


def make_user(username: str, *, posts: list[str], superuser: bool = False, **assign: Any) -> Any:
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, password=PASSWORD)
    user = User.objects.create_user(username, password=PASSWORD)
    staff = Staff.objects.create(user=user, name=username)
    staff.posts.set(Post.objects.filter(code__in=posts))
    staff.subdistricts.set(assign.get("subdistricts", []))
    staff.communities.set(assign.get("communities", []))
    staff.grids.set(assign.get("grids", []))
    return user


def make_world() -> World:
    ensure_default_posts()
    sd = Subdistrict.objects.create(code="440305001", name="南头街道")
    a = Community.objects.create(subdistrict=sd, code="440305001001", name="安乐社区")
    b = Community.objects.create(subdistrict=sd, code="440305001002", name="大新社区")
    a1 = Grid.objects.create(community=a, code="44030500100100000001", name="安乐第一网格")
    a2 = Grid.objects.create(community=a, code="44030500100100000002", name="安乐第二网格")
    b1 = Grid.objects.create(community=b, code="44030500100200000001", name="大新第一网格")
    w = World(
        subdistrict=sd,
        a=a,
        b=b,
        a1=a1,
        a2=a2,
        b1=b1,
        b_a1=Building.objects.create(community=a, grid=a1, code="1", name="1栋", floors=7),
        b_a2=Building.objects.create(community=a, grid=a2, code="2", name="2栋", floors=7),
        b_b1=Building.objects.create(community=b, grid=b1, code="9", name="9栋", floors=18),
    )
    w.users = {
        "head_a": make_user("head_a", posts=["head"], communities=[a]),
        "civil_a": make_user("civil_a", posts=["civil_affairs"], communities=[a]),
        "governance_a": make_user("governance_a", posts=["governance"], communities=[a]),
        "grid_a1": make_user("grid_a1", posts=["grid_worker"], grids=[a1]),
        "party_a": make_user("party_a", posts=["party"], communities=[a]),
        "head_b": make_user("head_b", posts=["head"], communities=[b]),
        "street": make_user("street", posts=["civil_affairs"], subdistricts=[sd]),
        "operator": make_user("operator", posts=[], superuser=True),
    }
    return w


_seq = [0]


def resident_data(
    name: str = "张三",
    *,
    birth: date = date(1980, 1, 2),
    sex: str = "M",
    phone: str = "+8613800138000",
    hukou_type: str = "local",
    region: str = "440305",
) -> ResidentData:
    _seq[0] += 1
    # 100 numbers per region and birth date: move to a neighbouring district code after that.
    region = str(int(region) + _seq[0] // 100)
    number = make_id_number(region, birth, _seq[0] % 100, sex)
    return ResidentData(
        name=name,
        sex=sex,
        birth_date=birth,
        id_number=number,
        id_kind="resident",
        phone=phone,
        hukou_type=hukou_type,
    )


def add_resident(
    world: World, building: Building, name: str = "张三", room: str = "101", **kw: Any
) -> Resident:
    """Register a resident through the services (as the operator) in `building`, room `room`."""
    from linli.registry import services

    op = world.user("operator")
    household = services.household_at(actor=op, building=building, entrance=1, room=room)
    relation = "head" if household.head_id is None else "spouse"
    data = resident_data(name, **kw)
    return services.resident_create(
        actor=op,
        community=building.community,
        data=data,
        household=household,
        relation=relation,
    )
