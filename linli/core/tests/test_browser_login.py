"""In a real browser: log in, see the profile with its charts, find a resident by initials."""

from __future__ import annotations

from typing import Any

import pytest

from linli.core.testing import PASSWORD, add_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str) -> None:
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/registry/")


def test_head_sees_profile_charts_and_finds_by_initials(page: Any) -> None:
    from linli.core.testing import make_world

    world = make_world()
    add_resident(world, world.b_a1, "张三", room="101")
    add_resident(world, world.b_a2, "李四", room="202")
    log_in(page, "head_a")
    assert page.locator("[data-testid=total]").inner_text() == "2"
    assert "社区概况" in page.content()  # Chinese by default
    page.wait_for_selector("#chart-age canvas")
    page.click("text=居民")
    page.fill("input[name=q]", "zs")
    page.click("form button[type=submit]:has-text('查询')")
    rows = page.locator("#resident-table tbody tr")
    assert rows.count() == 1
    assert "张三" in rows.first.inner_text()
    assert "zs" not in page.url
    page.click("text=张三")
    assert "138****8000" in page.content()
    page.click("#id-number button")
    page.wait_for_selector("#id-number .revealed")
    assert (
        page.locator("#id-number .revealed")
        .inner_text()
        .endswith(world.a.residents.get(name="张三").id_number[-4:])
    )


def test_wrong_password_shows_message(page: Any) -> None:
    from linli.core.testing import make_world

    make_world()
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").count() == 1
