"""A temporary volunteer joins from the poster, knocks, and loses access at the window's end;
a pushed list's phone task and door task are done on a phone."""
from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import select

from tests.browser.conftest import answer_next_dialog, log_in, qr_codes_on, screenshot
from tests.conftest import PASSWORD
from tests.invites.helpers import JOIN_PASSWORD, make_invite, shift_window

pytestmark = pytest.mark.browser


def _db(live_server, statement):
    from webapp.extensions import db

    with live_server.app.app_context():
        return db.session.scalar(statement)


def _volunteer_grid_door(live_server):
    from webapp.models import Household, RoleAssignment, User

    grid = _db(live_server, select(RoleAssignment.grid_id).join(RoleAssignment.user).where(User.username == "volunteer"))
    token = _db(live_server, select(Household.sticker_token).where(Household.grid_id == grid,
                                                                   Household.status == "occupied").order_by(Household.id))
    community = _db(live_server, select(Household.community_id).where(Household.grid_id == grid))
    return grid, token, community


def test_join_from_the_poster_knock_and_access_ends_at_the_window_end(live_server, browser, phone):
    from webapp.models import User, Visit

    grid, token, community = _volunteer_grid_door(live_server)
    invite_id, _ = make_invite(live_server.app, community, grid_ids=[grid], starts=-1, ends=1, title="自来水公司支援")
    codes = qr_codes_on(browser, live_server.url, f"/invites/{invite_id}/poster", shot="invite-poster")
    (join_url,) = codes
    assert "/join/" in join_url

    phone.goto(join_url)
    screenshot(phone, "invite-join")
    phone.fill("input[name=name]", "李志强")
    phone.fill("input[name=phone]", "139 1234 5678")
    phone.fill("input[name=username]", "lizhiqiang")
    phone.fill("input[name=password]", JOIN_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    assert "李志强" in phone.locator("h1").inner_text()
    assert "要走访的楼栋" in phone.content()
    screenshot(phone, "invite-home")

    phone.goto(f"{live_server.url}/h/{token}")
    phone.click("button[name=outcome][value=verified]")
    phone.wait_for_selector("#knock.done")
    user_id = _db(live_server, select(User.id).where(User.username == "lizhiqiang"))
    assert _db(live_server, select(Visit.outcome).where(Visit.user_id == user_id)) == "verified"

    # The secretary sees who joined and what they did.
    secretary = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True, locale="zh-CN").new_page()
    log_in(secretary, live_server.url, "secretary", PASSWORD)
    secretary.goto(f"{live_server.url}/invites/{invite_id}")
    assert "1 次敲门" in secretary.locator("li:has-text('lizhiqiang')").first.inner_text()
    screenshot(secretary, "invite-detail")
    secretary.goto(f"{live_server.url}/invites")
    assert "自来水公司支援" in secretary.locator("section.card").first.inner_text()
    secretary.locator("#new").scroll_into_view_if_needed()
    screenshot(secretary, "invite-new")
    secretary.context.close()

    # The window is shortened to end in two seconds; the open session's next page is the login page.
    shift_window(live_server.app, invite_id, ends=2 / 3600)
    time.sleep(2.5)
    phone.goto(f"{live_server.url}/h/{token}")
    phone.wait_for_url("**/login**")
    assert "使用权限已到期" in phone.content()
    screenshot(phone, "invite-ended")


def _upload_list(phone, live_server, rows) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "电话", "身份证后四位", "地址", "来源", "备注"])
    writer.writerows(rows)
    phone.goto(f"{live_server.url}/lists")
    phone.fill("input[name=title]", "11月24日 大数据推送")
    phone.set_input_files("input[name=file]", files=[{"name": "推送名单.csv", "mimeType": "text/csv",
                                                      "buffer": out.getvalue().encode("utf-8")}])
    phone.click("#upload button[type=submit]")
    phone.wait_for_url("**/lists/*")


def _make_tasks(phone, method: str, rows: str, person: str) -> None:
    form = phone.locator("#assign form")
    form.locator(f"label.chip:has-text('{method}')").click()
    form.locator(f"label.chip:has-text('{rows}')").click()
    form.locator("label.chip:has-text('轮流分派')").click()
    form.locator("summary").click()
    form.locator(f"label.chip:has-text('{person}')").click()
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("#assign .notice")


def test_a_volunteer_completes_a_phone_task_and_a_door_task(live_server, browser, phone):
    from webapp.models import Household, ListTask, Resident, Visit

    _, token, _ = _volunteer_grid_door(live_server)
    with live_server.app.app_context():
        from webapp.extensions import db

        resident = db.session.scalars(select(Resident).join(Household).where(Household.sticker_token == token)
                                      .order_by(Resident.id)).first()
        name, address, household_id = resident.name, resident.household.address, resident.household_id

    secretary = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True, locale="zh-CN").new_page()
    log_in(secretary, live_server.url, "secretary", PASSWORD)
    wrong_street = address.replace("长庚", "新塘", 1)
    _upload_list(secretary, live_server, [[name, "", "", wrong_street, "返乡人员", ""],
                                          ["王查无", "13000000001", "", "幸福路999号", "大数据", "外地来穗"]])
    first = secretary.locator(".list-row").first
    assert address in first.inner_text()
    first.locator("button:has-text('确认')").click()
    secretary.wait_for_selector(".list-row.confirmed")
    _make_tasks(secretary, "逐户排查", "已确认门牌的行", "volunteer")
    _make_tasks(secretary, "电话核查", "没有门牌的行", "volunteer")
    secretary.goto(secretary.url.split("?")[0])
    screenshot(secretary, "list-detail")

    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.click("a.button:has-text('名单核查')")
    phone.wait_for_url("**/tasks")
    assert phone.locator("a[href='tel:13000000001']").is_visible()
    screenshot(phone, "list-tasks")

    phone.click("a.row:has-text('王查无')")
    phone.locator("label.chip:has-text('不在此处')").click()
    phone.fill("input[name=moved_to]", "新塘里12号")
    phone.click("button:has-text('保存结果')")
    phone.wait_for_url("**/tasks#task-*")

    phone.click(f"a.row:has-text('{name}')")
    assert phone.locator("a:has-text('打开住户卡片')").is_visible()
    phone.locator("label.chip:has-text('已找到')").click()
    phone.fill("textarea[name=note]", "本人在家，已核实")
    screenshot(phone, "list-task")
    # No signal in the stairwell: the result is kept on the phone and sent when the signal is back.
    phone.context.set_offline(True)
    phone.click("button:has-text('保存结果')")
    phone.wait_for_selector("#task-result form.queued")
    assert "已保存在手机上" in phone.locator("#task-result").inner_text()
    assert "door" not in str(_db(live_server, select(ListTask.method).where(ListTask.done_at.isnot(None))))
    phone.context.set_offline(False)
    phone.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:')).every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    phone.goto(f"{live_server.url}/tasks")
    assert "没有待办的核查" in phone.content()

    with live_server.app.app_context():
        from webapp.extensions import db

        results = {t.method: (t.result, t.moved_to) for t in db.session.scalars(select(ListTask))}
        visit = db.session.scalar(select(Visit).where(Visit.household_id == household_id,
                                                      Visit.note.like("%本人在家%")))
    assert results == {"door": ("found", None), "phone": ("moved", "新塘里12号")}
    assert visit is not None and visit.outcome == "verified"
    secretary.reload()
    assert "已找到" in secretary.locator(".stats").inner_text()
    secretary.context.close()


def test_the_secretary_ends_an_invite_after_confirming(live_server, browser):
    from webapp.models import Invite

    grid, _, community = _volunteer_grid_door(live_server)
    invite_id, _ = make_invite(live_server.app, community, grid_ids=[grid], title="夜班支援")
    page = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN").new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/invites/{invite_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('立即结束邀请')")
    page.wait_for_selector("text=已于")
    assert _db(live_server, select(Invite.ended_at).where(Invite.id == invite_id)) is not None
    assert not [e for e in errors if "Content Security Policy" in e]
    page.context.close()


def test_ending_one_helper_asks_first(live_server, browser):
    """结束权限 for one person: a dialog names them; dismissed, nothing changes; accepted, access ends."""
    from tests.invites.helpers import join
    from webapp.models import InviteJoin

    grid, _, community = _volunteer_grid_door(live_server)
    invite_id, token = make_invite(live_server.app, community, grid_ids=[grid], title="周末支援")
    assert join(live_server.app.test_client(), token, "he.ping", name="何平").status_code == 303
    page = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN").new_page()
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/invites/{invite_id}")
    asked = []
    answer_next_dialog(page, False, asked)
    page.click("button:has-text('结束权限')")
    page.wait_for_timeout(300)
    assert asked == ["现在结束何平的使用权限吗？"]
    assert _db(live_server, select(InviteJoin.ended_at)) is None
    answer_next_dialog(page, True, asked)
    page.click("button:has-text('结束权限')")
    page.wait_for_selector(".badge:has-text('权限已结束')")
    assert _db(live_server, select(InviteJoin.ended_at)) is not None
    page.context.close()


def test_every_invites_and_lists_page_fits_a_phone(live_server, phone):
    """The phone sweep's checks (nothing wider than the screen, 44 px targets, the right keypads, no
    stored English values) on every page of this journey, as the secretary, the volunteer and a stranger."""
    from tests.browser.test_phone_sweep import CHECK

    from webapp.extensions import db
    from webapp.lists.services import make_tasks, store_list
    from webapp.models import InviteJoin, ListRow, ListTask, User

    grid, _, community = _volunteer_grid_door(live_server)
    invite_id, token = make_invite(live_server.app, community, grid_ids=[grid], title="物业公司支援")
    _, expired = make_invite(live_server.app, community, grid_ids=[grid], starts=-3, ends=-1, title="早班")
    from tests.invites.helpers import join as join_by_client

    join_by_client(live_server.app.test_client(), token, "sweep.helper")
    with live_server.app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        pushed = store_list(community, volunteer, "phone-sweep-0001", title="11月24日推送", header=["姓名", "电话"],
                            rows=[{"line": 2, "cells": '{"姓名": "王查无", "电话": "13000000001"}', "name": "王查无",
                                   "phone": "13000000001", "id_tail": "", "address": "幸福路9号", "source": "大数据",
                                   "note": "", "candidates": "[]"}])
        db.session.flush()
        make_tasks(pushed, volunteer, "phone-sweep-0002", method="phone", which="open", mode="round_robin",
                   people=[volunteer], hours=2)
        db.session.commit()
        list_id, row_id = pushed.id, db.session.scalar(select(ListRow.id))
        task_id = db.session.scalar(select(ListTask.id))
        assert db.session.scalar(select(InviteJoin.id)) is not None
    pages = {
        None: {"join": f"/join/{token}", "code": "/join", "expired": f"/join/{expired}"},
        "secretary": {"invites": "/invites", "invite": f"/invites/{invite_id}", "lists": "/lists",
                      "list": f"/lists/{list_id}", "find": f"/lists/{list_id}/rows/{row_id}/find?q=9号"},
        "volunteer": {"tasks": "/tasks", "task": f"/tasks/{task_id}"},
    }
    found = {}
    for role, paths in pages.items():
        if role:
            log_in(phone, live_server.url, role, PASSWORD)
        for name, path in paths.items():
            page_url = live_server.url + path
            response = phone.goto(page_url)
            if response.status >= 400 and name != "expired":
                found[name] = [f"status {response.status}"]
                continue
            problems = phone.evaluate(CHECK)
            if problems:
                found[f"{role}-{name}"] = problems
        if role:
            phone.context.clear_cookies()
    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)


def test_posters_fit_a_phone_screen(live_server, phone):
    """A secretary shows the poster on her phone: nothing scrolls sideways, the long join link wraps."""
    grid, _, community = _volunteer_grid_door(live_server)
    invite_id, _ = make_invite(live_server.app, community, grid_ids=[grid], title="自来水公司支援下午扫楼")
    log_in(phone, live_server.url, "secretary", PASSWORD)
    for path in (f"/invites/{invite_id}/poster", f"/grids/{grid}/poster"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
    screenshot(phone, "grid-poster-phone")
