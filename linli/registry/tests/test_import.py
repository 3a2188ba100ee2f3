"""The resident import: template, messy cells, refusals, scope, all-or-nothing, pages, command."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from linli.core.errors import NotInScope
from linli.core.keys import blind
from linli.core.models import AuditLog
from linli.core.testing import World, add_resident
from linli.lib.id_card import make_id_number
from linli.registry.importer import (
    TEMPLATE_COLUMNS,
    ImportRefused,
    build_template,
    errors_workbook,
    import_residents,
)
from linli.registry.models import Household, Membership, Resident, ResidentTag

HEADERS = [c.header for c in TEMPLATE_COLUMNS]
FIELDS = [c.field for c in TEMPLATE_COLUMNS]

_seq = [0]


@pytest.fixture(autouse=True)
def english() -> Any:
    """Reasons are asserted in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def idn(birth: date = date(1980, 1, 2), sex: str = "M", region: str = "440305") -> str:
    _seq[0] += 1
    return make_id_number(region, birth, _seq[0] % 100, sex)


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "李四",
        "id_number": idn(),
        "hukou_type": "本地户籍",
        "building": "1栋",
        "room": "101",
    }
    base.update(values)
    return base


def xlsx(rows: list[dict[str, Any]], *, title: bool = False, blank_rows: bool = False) -> bytes:
    """A workbook with the template's headers; values written with their Python type."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    r = 0
    if title:
        ws.write_string(0, 0, "安乐社区居民花名册")
        r = 2
    ws.write_row(r, 0, HEADERS)
    r += 1
    for item in rows:
        for col, f in enumerate(FIELDS):
            v = item.get(f)
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, col, v)
            else:
                ws.write_number(r, col, v)
        r += 1
        if blank_rows:
            r += 1
    wb.close()
    return out.getvalue()


def run(world: World, data: bytes, user: str = "head_a", **kw: Any) -> Any:
    kw.setdefault("dry_run", False)
    return import_residents(actor=world.user(user), community=world.a, source=data, **kw)


def errors_of(report: Any) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in report.errors]


# --- template -----------------------------------------------------------------------------------
def test_template_has_chinese_headers_example_and_notes(world: World) -> None:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(build_template())).get_sheet_by_index(0)
    rows = sheet.to_python()
    header = rows[1]
    assert header[: len(HEADERS)] == HEADERS
    assert "姓名" in header and "公民身份号码" in header and "与户主关系" in header


def test_filled_template_imports(world: World) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb.active
    assert ws is not None
    values = {"name": "王五", "id_number": idn(), "hukou_type": "本地户籍", "building": "1栋"}
    values |= {
        "room": "302",
        "relation": "户主",
        "tags": "独居老人、低保户",
        "phone": "13900139000",
    }
    ws.append([values.get(f, "") for f in FIELDS])
    buf = io.BytesIO()
    wb.save(buf)
    report = run(world, buf.getvalue())
    assert report.ok, report.errors
    assert (report.rows_read, report.to_create) == (1, 1)  # example and notes rows skipped
    r = Resident.objects.get(name="王五")
    assert r.building == world.b_a1 and r.dwelling is not None and r.dwelling.room == "302"
    assert r.grid == world.a1 and r.community == world.a
    assert r.phone == "+8613900139000" and r.name_pinyin == "wangwu"
    assert set(r.tags.values_list("tag", flat=True)) == {"elderly_alone", "dibao"}
    assert r.household is not None and r.household.head == r
    assert Membership.objects.get(resident=r).relation == "head"


def test_template_download_page(world: World, client: Client) -> None:
    client.force_login(world.user("head_a"))
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- messy cells accepted -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "birth_cell",
    [
        "1980-1-2",
        "1980/01/02",
        "1980.1.2",
        "1980年1月2日",
        "19800102",
        29222,  # Excel serial number
        " 1980-01-02 ",
        "１９８０-０１-０２",
    ],
)
def test_birth_date_forms(world: World, birth_cell: Any) -> None:
    report = run(world, xlsx([row(birth_date=birth_cell)]))
    assert report.ok, report.errors
    assert Resident.objects.get(name="李四").birth_date == date(1980, 1, 2)


@pytest.mark.parametrize("sex", ["男", "男性", "M", "m", " 男 "])
def test_sex_forms(world: World, sex: str) -> None:
    report = run(world, xlsx([row(sex=sex)]))
    assert report.ok, report.errors


@pytest.mark.parametrize("sex", ["女", "女性", "F"])
def test_female_forms(world: World, sex: str) -> None:
    report = run(world, xlsx([row(sex=sex, id_number=idn(sex="F"))]))
    assert report.ok, report.errors
    assert Resident.objects.get().sex == "F"


def test_id_number_forms(world: World) -> None:
    base = make_id_number("440305", date(1975, 5, 6), 3, "M")
    number = base
    while not number.endswith("X"):  # find a number whose check character is X
        _seq[0] += 1
        number = make_id_number("440305", date(1975, 5, 6), _seq[0] % 100, "M")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in idn())
    rows = [
        row(id_number=number.lower(), room="101"),
        row(id_number=f"  {idn()}  ", room="102"),
        row(id_number=fullwidth, room="103"),
        row(id_number="４４０３０５" + idn()[6:], room="104"),
    ]
    report = run(world, xlsx(rows))
    assert report.ok, report.errors
    assert Resident.objects.filter(id_number_hash=blind(number)).exists()


def test_title_row_blank_rows_spaces_and_building_forms(world: World) -> None:
    rows = [
        row(name=" 赵六 ", building="1", room="101"),
        row(name="钱七", building=" 2栋 ", room="201", entrance="2单元"),
        row(name="孙八", building=2, room=202),
    ]
    report = run(world, xlsx(rows, title=True, blank_rows=True))
    assert report.ok, report.errors
    assert report.rows_read == 3
    assert Resident.objects.get(name="赵六").building == world.b_a1
    qian = Resident.objects.get(name="钱七")
    assert qian.building == world.b_a2 and qian.dwelling is not None and qian.dwelling.entrance == 2
    sun = Resident.objects.get(name="孙八")
    assert sun.dwelling is not None and sun.dwelling.room == "202"


def test_household_relations(world: World) -> None:
    rows = [
        row(name="甲", room="501", relation="户主"),
        row(name="乙", room="501", relation="配偶", id_number=idn(sex="F"), sex="女"),
        row(name="丙", room="501", relation="子女"),
        row(name="丁", room="502"),  # blank relation: first in the household becomes head
    ]
    report = run(world, xlsx(rows))
    assert report.ok, report.errors
    jia = Resident.objects.get(name="甲")
    assert jia.household is not None and jia.household.head == jia
    assert Resident.objects.get(name="丙").household_id == jia.household_id
    assert Household.objects.filter(dwelling__building=world.b_a1).count() == 2
    ding = Resident.objects.get(name="丁")
    assert ding.household is not None and ding.household.head == ding


# --- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"id_number": "440305198001021000"}, "id_number", "Excel"),
        ({"id_number": "44030519800102001"}, "id_number", "18"),
        ({"id_number": "440305198001020011"}, "id_number", "check"),
        ({"birth_date": "1980-02-30"}, "birth_date", "does not exist"),
        ({"birth_date": "1981-01-02"}, "birth_date", "does not match"),
        ({"sex": "女"}, "sex", "does not match"),
        ({"sex": "未知"}, "sex", "男"),
        ({"building": "99栋"}, "building", "no such building"),
        ({"building": "9栋"}, "building", "no such building"),  # community B's
        ({"name": ""}, "name", "missing"),
        ({"room": ""}, "room", "missing"),
        ({"hukou_type": "火星"}, "hukou_type", "allowed"),
        ({"relation": "邻居"}, "relation", "not one of"),
        ({"tags": "外星人"}, "tags", "special group"),
        ({"phone": "12345"}, "phone", "11 digits"),
    ],
)
def test_row_refusals(world: World, values: dict[str, Any], field: str, words: str) -> None:
    report = run(world, xlsx([row(name="好人", room="101"), row(**{"room": "102", **values})]))
    assert (3, field) in errors_of(report), report.errors
    assert all(e.row == 3 for e in report.errors)
    reason = next(e.reason for e in report.errors if e.field == field)
    assert words in reason
    assert not report.committed
    assert Resident.objects.count() == 0  # the good row is not written either


def test_numeric_id_cell_is_precision_lost(world: World) -> None:
    report = run(world, xlsx([row(id_number=440305198001020017)]))
    assert errors_of(report) == [(2, "id_number")]
    assert "Excel" in report.errors[0].reason


def test_error_messages_never_repeat_the_id(world: World) -> None:
    bad = "440305198001020011"
    report = run(world, xlsx([row(id_number=bad, sex="女")]))
    assert report.errors
    assert all(bad not in e.reason for e in report.errors)


def test_duplicates_within_file_and_against_database(world: World) -> None:
    existing = add_resident(world, world.b_a1, "老住户")
    same = idn()
    rows = [
        row(id_number=same, room="101"),
        row(id_number=same, room="102"),
        row(id_number=existing.id_number, room="103"),
    ]
    report = run(world, xlsx(rows))
    assert errors_of(report) == [(3, "id_number"), (4, "id_number")]
    assert "row 2" in report.errors[0].reason
    assert "already registered" in report.errors[1].reason
    assert Resident.objects.count() == 1


def test_update_existing(world: World) -> None:
    existing = add_resident(world, world.b_a1, "老住户", room="101")
    rows = [
        row(name="老住户", id_number=existing.id_number, room="606", phone="13700137000"),
        row(name="新住户", room="607"),
    ]
    report = run(world, xlsx(rows), update_existing=True)
    assert report.ok, report.errors
    assert (report.to_create, report.to_update) == (1, 1)
    existing.refresh_from_db()
    assert existing.phone == "+8613700137000"
    assert existing.dwelling is not None and existing.dwelling.room == "606"
    assert Membership.objects.filter(resident=existing).count() == 2
    assert Membership.objects.filter(resident=existing, left_on__isnull=True).count() == 1
    assert Resident.objects.count() == 2


def test_update_existing_outside_scope_is_refused(world: World) -> None:
    outsider = add_resident(world, world.b_a2, "二栋住户")
    report = run(world, xlsx([row(id_number=outsider.id_number)]), "grid_a1", update_existing=True)
    assert errors_of(report) == [(2, "id_number")]


def test_all_or_nothing(world: World) -> None:
    rows = [row(room=str(100 + i)) for i in range(20)] + [row(building="404栋")]
    before = (Resident.objects.count(), Household.objects.count(), Membership.objects.count())
    report = run(world, xlsx(rows))
    assert errors_of(report) == [(22, "building")]
    assert report.valid == 20 and not report.committed
    after = (Resident.objects.count(), Household.objects.count(), Membership.objects.count())
    assert before == after == (0, 0, 0)


def test_dry_run_writes_nothing(world: World) -> None:
    report = run(world, xlsx([row(), row(room="102")]), dry_run=True)
    assert report.ok and report.to_create == 2 and not report.committed
    assert Resident.objects.count() == 0


def test_oversized_file_refused(world: World, settings: Any) -> None:
    settings.LINLI_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportRefused, match="larger"):
        run(world, xlsx([row() for _ in range(30)]))


def test_too_many_rows_refused_before_parsing(world: World, settings: Any) -> None:
    settings.LINLI_IMPORT_MAX_ROWS = 5
    with pytest.raises(ImportRefused, match="more than 5 rows"):
        run(world, xlsx([row(room=str(100 + i)) for i in range(30)]))


def test_not_xlsx_refused(world: World) -> None:
    with pytest.raises(ImportRefused, match=r"\.xlsx"):
        run(world, b"name,id\n")


def test_missing_header_refused(world: World) -> None:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.add_worksheet().write_row(0, 0, ["a", "b", "c"])
    wb.close()
    with pytest.raises(ImportRefused, match="header"):
        run(world, out.getvalue())


# --- scope --------------------------------------------------------------------------------------
def test_grid_worker_refused_for_other_grid_rows(world: World) -> None:
    rows = [row(building="1栋", room="101"), row(building="2栋", room="201")]
    report = run(world, xlsx(rows), "grid_a1")
    assert errors_of(report) == [(3, "building")]
    assert "outside the area" in report.errors[0].reason
    assert Resident.objects.count() == 0
    report = run(world, xlsx([row(building="1栋")]), "grid_a1")
    assert report.ok and report.committed
    assert Resident.objects.get().grid == world.a1


def test_restricted_tag_needs_post(world: World) -> None:
    report = run(world, xlsx([row(tags="社区矫正")]), "civil_a")
    assert errors_of(report) == [(2, "tags")]
    report = run(world, xlsx([row(tags="社区矫正,高龄老人")]), "head_a")
    assert report.ok
    assert list(ResidentTag.objects.values_list("tag", flat=True)) == ["corrections"]


def test_no_import_post_refused(world: World) -> None:
    with pytest.raises(NotInScope):
        run(world, xlsx([row()]), "party_a")
    with pytest.raises(NotInScope):  # community A is not head_b's
        run(world, xlsx([row()]), "head_b")


# --- audit --------------------------------------------------------------------------------------
def test_audit_entry_per_import_without_personal_values(world: World) -> None:
    number = idn()
    run(world, xlsx([row(id_number=number)]), dry_run=True)
    run(world, xlsx([row(id_number=number)]))
    entries = list(AuditLog.objects.filter(action="import").order_by("id"))
    assert len(entries) == 2
    assert entries[0].changes["dry_run"] is True and entries[1].changes["committed"] is True
    assert entries[1].changes["create"] == 1 and entries[1].actor_username == "head_a"
    for e in entries:
        assert number not in e.summary and number not in str(e.changes)


# --- error report -------------------------------------------------------------------------------
def test_errors_workbook(world: World) -> None:
    data = xlsx([row(name="好人"), row(name="坏人", building="99栋"), row(name="也坏", sex="X")])
    report = run(world, data)
    wb = openpyxl.load_workbook(io.BytesIO(errors_workbook(data, report)))
    ws = wb.active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-1] == "错误原因" and "姓名" in rows[0]
    assert [r[0] for r in rows[1:]] == ["3", "4"]
    assert rows[1][1] == "坏人" and "building" in str(rows[1][-1])


# --- pages --------------------------------------------------------------------------------------
def login(client: Client, world: World, user: str) -> Client:
    client.force_login(world.user(user))
    return client


def upload(client: Client, world: World, data: bytes, name: str = "r.xlsx", **extra: Any) -> Any:
    f = io.BytesIO(data)
    f.name = name
    return client.post(reverse("registry:import"), {"community": world.a.pk, "file": f, **extra})


def test_upload_preview_confirm(world: World, client: Client) -> None:
    login(client, world, "head_a")
    assert client.get(reverse("registry:import")).status_code == 200
    response = upload(client, world, xlsx([row(name="网页导入"), row(room="102")]))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert Resident.objects.count() == 0
    confirm = client.post(response["Location"])
    assert confirm.status_code == 302
    assert reverse("registry:resident_list") in confirm["Location"]
    assert Resident.objects.count() == 2
    assert AuditLog.objects.filter(action="import").count() == 2


def test_preview_shows_errors_masked_and_no_confirm(world: World, client: Client) -> None:
    login(client, world, "head_a")
    number = idn()
    data = xlsx([row(), row(id_number=number, room="102", sex="女", phone="1390013900")])
    response = upload(client, world, data)
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert number not in html and number[:6] + "********" + number[-4:] in html
    assert 'type="submit"' not in html and "<button" not in html.split("<main")[1]
    errors = client.get(
        reverse("registry:import_errors", args=[response["Location"].split("/")[-2]])
    )
    assert errors.status_code == 200
    # Confirming anyway writes nothing.
    client.post(response["Location"])
    assert Resident.objects.count() == 0


def test_upload_refuses_non_xlsx_and_oversized(world: World, client: Client, settings: Any) -> None:
    login(client, world, "head_a")
    response = upload(client, world, b"a,b\n", name="r.csv")
    assert response.status_code == 400 and b".xlsx" in response.content
    response = upload(client, world, b"not a zip", name="r.xlsx")
    assert response.status_code == 400
    settings.LINLI_IMPORT_MAX_BYTES = 100
    response = upload(client, world, xlsx([row()]))
    assert response.status_code == 400 and b"MB" in response.content


def test_another_user_cannot_use_the_token(world: World, client: Client) -> None:
    login(client, world, "head_a")
    response = upload(client, world, xlsx([row()]))
    url = response["Location"]
    token = url.rstrip("/").split("/")[-1]
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(other, world, "civil_a")
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    assert other.get(reverse("registry:import_errors", args=[token])).status_code == 404
    assert Resident.objects.count() == 0


def test_party_post_refused_403(world: World, client: Client) -> None:
    login(client, world, "party_a")
    assert client.get(reverse("registry:import")).status_code == 403
    assert upload(client, world, xlsx([row()])).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403
    assert Resident.objects.count() == 0


def test_anonymous_redirected(world: World, client: Client) -> None:
    assert client.get(reverse("registry:import")).status_code == 302


# --- command ------------------------------------------------------------------------------------
def test_command_dry_run_and_commit(world: World, tmp_path: Any) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([row(), row(room="102")]))
    out = io.StringIO()
    call_command(
        "import_residents", str(path), "--community", world.a.code, "--dry-run", stdout=out
    )
    assert "to create: 2" in out.getvalue() and Resident.objects.count() == 0
    call_command("import_residents", str(path), "--community", world.a.code, stdout=io.StringIO())
    assert Resident.objects.count() == 2
    entry = AuditLog.objects.filter(action="import").order_by("-id").first()
    assert entry is not None and entry.actor_id is None and entry.actor_username == "manage.py"


def test_command_errors_exit_1(world: World, tmp_path: Any) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([row(), row(room="102", building="99栋")]))
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_residents", str(path), "--community", world.a.code, stdout=out)
    assert info.value.returncode == 1
    assert "row 3" in out.getvalue()
    assert Resident.objects.count() == 0


def test_command_as_user(world: World, tmp_path: Any) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([row(building="2栋")]))
    with pytest.raises(CommandError):
        call_command(
            "import_residents",
            str(path),
            "--community",
            world.a.code,
            "--user",
            "grid_a1",
            stdout=io.StringIO(),
        )
    assert Resident.objects.count() == 0


@pytest.mark.django_db
def test_big_sqlite_imports_get_a_larger_page_cache_for_the_write() -> None:
    from django.db import connection

    from linli.registry.importer import _sqlite_page_cache

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")

    def cache() -> int:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            return int(cur.fetchone()[0])

    before = cache()
    with _sqlite_page_cache(100_000):
        assert cache() == -65536
    assert cache() == before
    with _sqlite_page_cache(500):
        assert cache() == before
