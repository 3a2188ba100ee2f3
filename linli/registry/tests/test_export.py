"""The resident export: who may, what they get (scoped, masked or full), never a formula."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from linli.core.models import AuditLog
from linli.core.testing import World, add_resident, make_user
from linli.org.models import Post
from linli.registry import selectors
from linli.registry.exporter import export_residents
from linli.registry.importer import TEMPLATE_COLUMNS, import_residents
from linli.registry.models import Resident


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def as_dicts(content: bytes) -> list[dict[str, Any]]:
    rows = sheet_rows(content)
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def export(client: Client, world: World, user: str, query: str = "") -> Any:
    client.force_login(world.user(user))
    return client.get(reverse("registry:resident_export") + query)


@pytest.fixture
def people(world: World) -> dict[str, Resident]:
    return {
        "a1": add_resident(world, world.b_a1, "张一", room="101"),
        "a2": add_resident(world, world.b_a2, "李二", room="201"),
        "b": add_resident(world, world.b_b1, "王九", room="901"),
    }


def test_head_gets_full_values_scoped(world: World, client: Client, people: Any) -> None:
    response = export(client, world, "head_a")
    assert response.status_code == 200
    content = body(response)
    rows = as_dicts(content)
    assert [c.header for c in TEMPLATE_COLUMNS] + ["社区", "网格", "状态"] == list(
        sheet_rows(content)[0]
    )
    by_name = {r["姓名"]: r for r in rows}
    assert set(by_name) == {"张一", "李二"}  # head_b's resident is not here
    assert by_name["张一"]["公民身份号码"] == people["a1"].id_number
    assert by_name["张一"]["联系电话"] == "13800138000"
    assert by_name["张一"]["楼栋"] == "1栋" and by_name["张一"]["房号"] == "101"
    assert by_name["张一"]["性别"] == "男" and by_name["张一"]["户籍类别"] == "本地户籍"
    assert by_name["张一"]["与户主关系"] == "户主" and by_name["张一"]["社区"] == "安乐社区"
    entry = AuditLog.objects.get(action="export")
    assert entry.changes["rows"] == 2 and entry.changes["masked"] is False
    assert people["a1"].id_number not in entry.summary + str(entry.changes)


def test_masked_for_post_without_reveal(world: World, client: Client, people: Any) -> None:
    Post.objects.create(code="statistics", name="统计", can_export=True)
    user = make_user("stats_a", posts=["statistics"], communities=[world.a])
    client.force_login(user)
    response = client.get(reverse("registry:resident_export"))
    assert response.status_code == 200
    rows = as_dicts(body(response))
    number = people["a1"].id_number
    zhang = next(r for r in rows if r["姓名"] == "张一")
    assert zhang["公民身份号码"] == number[:6] + "********" + number[-4:]
    assert zhang["联系电话"] == "138****8000"
    assert AuditLog.objects.get(action="export").changes["masked"] is True


def test_grid_worker_and_party_refused(world: World, client: Client, people: Any) -> None:
    assert export(client, world, "grid_a1").status_code == 403
    assert export(client, world, "party_a").status_code == 403
    assert AuditLog.objects.filter(action="denied").count() == 2
    assert not AuditLog.objects.filter(action="export", outcome="success").exists()


def test_anonymous_redirected(client: Client) -> None:
    assert client.get(reverse("registry:resident_export")).status_code == 302


def test_filters_apply(world: World, client: Client, people: Any) -> None:
    response = export(client, world, "head_a", f"?grid={world.a2.pk}")
    rows = as_dicts(body(response))
    assert [r["姓名"] for r in rows] == ["李二"]
    response = export(client, world, "street", f"?community={world.b.pk}")
    assert [r["姓名"] for r in as_dicts(body(response))] == ["王九"]


def test_formula_like_values_stay_text(world: World, people: Any) -> None:
    r = people["a1"]
    Resident.objects.filter(pk=r.pk).update(name="=1+1", notes="@SUM(A1)")
    add_resident(world, world.b_a1, "+cmd", room="102")
    add_resident(world, world.b_a1, "-2", room="103")
    out = io.BytesIO()
    export_residents(actor=world.user("head_a"), filters=selectors.ResidentFilters(), stream=out)
    xml = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml  # no formula cell at all
    rows = as_dicts(out.getvalue())
    names = {r["姓名"] for r in rows}
    assert {"'=1+1", "'+cmd", "'-2"} <= names
    assert any(r["备注"] == "'@SUM(A1)" for r in rows)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.active
    assert ws is not None
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2) for c in row if c.value)


def test_restricted_tags_only_for_permitted(world: World, client: Client, people: Any) -> None:
    from linli.registry import services

    services.tag_add(actor=world.user("head_a"), resident=people["a1"], tag="corrections")
    services.tag_add(actor=world.user("head_a"), resident=people["a1"], tag="dibao")
    rows = as_dicts(body(export(client, world, "head_a")))
    assert next(r for r in rows if r["姓名"] == "张一")["重点人群"] == "社区矫正、低保户"
    rows = as_dicts(body(export(Client(), world, "civil_a")))
    assert next(r for r in rows if r["姓名"] == "张一")["重点人群"] == "低保户"


def test_export_reimports(world: World, people: Any) -> None:
    out = io.BytesIO()
    export_residents(actor=world.user("head_a"), filters=selectors.ResidentFilters(), stream=out)
    report = import_residents(
        actor=world.user("head_a"),
        community=world.a,
        source=out.getvalue(),
        dry_run=True,
        update_existing=True,
    )
    assert report.ok, report.errors
    assert (report.to_create, report.to_update) == (0, 2)
