"""Pushed lists (一摸四查): matching against the whole community, tasks, results, export, summary."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

HEADER = ["序号", "姓名", "电话", "身份证后四位", "地址", "来源", "备注"]


def _fields(html: str) -> dict:
    return dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', html))


def _people(app, world):
    """A resident with a phone, and a bungalow resident (address like 长庚里83号) of the first community."""
    from webapp.extensions import db
    from webapp.models import Building, Household, Resident

    with app.app_context():
        phoned = db.session.scalars(select(Resident).join(Household).where(
            Household.community_id == world.first_community, Resident.phone.isnot(None),
            Resident.moved_out.is_(False)).order_by(Resident.id)).first()
        bungalow = db.session.scalars(select(Resident).join(Household).join(Building).where(
            Household.community_id == world.first_community, Building.kind == "bungalow",
            Resident.moved_out.is_(False)).order_by(Resident.id.desc())).first()
        return ({"name": phoned.name, "phone": phoned.phone, "household_id": phoned.household_id,
                 "grid_id": phoned.household.grid_id, "id_number": phoned.id_number},
                {"name": bungalow.name, "address": bungalow.household.address,
                 "household_id": bungalow.household_id, "grid_id": bungalow.household.grid_id})


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(client, rows, filename="推送名单.csv", data: bytes | None = None):
    fields = _fields(client.get("/lists").get_data(as_text=True))
    return client.post("/lists", data={**fields, "title": "11月24日推送", "file": (
        io.BytesIO(data if data is not None else _csv(rows)), filename)}, content_type="multipart/form-data")


def _rows(app):
    from webapp.extensions import db
    from webapp.lists.services import candidates_of
    from webapp.models import ListRow

    with app.app_context():
        return [(row.line, row.name, candidates_of(row), row.id) for row in
                db.session.scalars(select(ListRow).order_by(ListRow.line))]


def test_rows_match_by_phone_by_wrong_street_and_not_at_all(app, client, login_as, world):
    phoned, bungalow = _people(app, world)
    wrong_street = bungalow["address"].replace("长庚里", "新塘里")
    assert wrong_street != bungalow["address"]
    login_as("secretary")
    response = _upload(client, [
        ["1", "某某", phoned["phone"], "", "不知道", "大数据", ""],
        ["2", bungalow["name"], "", "", wrong_street, "返乡人员", "=HYPERLINK(\"x\")"],
        ["3", "查无此人", "13000000001", "9999", "幸福路999号", "核酸", ""],
    ])
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    rows = _rows(app)
    (_, _, phone_cands, _), (_, _, street_cands, _), (_, _, none_cands, _) = rows
    assert phone_cands[0]["how"] == "phone" and phone_cands[0]["household_id"] == phoned["household_id"]
    assert street_cands[0]["how"] == "name_address" and street_cands[0]["household_id"] == bungalow["household_id"]
    assert none_cands == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert bungalow["address"] in page and "同一电话" in page and "姓名和门牌号" in page and "未在底册中找到" in page


def test_id_tail_and_name_match(app, client, login_as, world):
    phoned, _ = _people(app, world)
    login_as("secretary")
    assert _upload(client, [["1", phoned["name"], "", phoned["id_number"][-4:], "", "", ""]]).status_code == 303
    (_, _, cands, _), = _rows(app)
    assert cands[0]["how"] == "id_name" and cands[0]["household_id"] == phoned["household_id"]


def test_upload_errors_sit_beside_the_file_field(app, client, login_as):
    login_as("secretary")
    response = _upload(client, [], data="名字不对,x\n1,2\n".encode("gbk"), filename="bad.csv")
    assert response.status_code == 422 and "姓名" in response.get_data(as_text=True)
    response = _upload(client, [], data=b"PK\x03\x04garbage", filename="bad.xlsx")
    assert response.status_code == 422
    fields = _fields(client.get("/lists").get_data(as_text=True))
    response = client.post("/lists", data={**fields}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要上传的文件" in response.get_data(as_text=True)


def _confirm_all(client, list_id):
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    return client.post(f"/lists/{list_id}/confirm", data=fields)


def _list_id(app):
    from webapp.extensions import db
    from webapp.models import PushedList

    with app.app_context():
        return db.session.scalar(select(func.max(PushedList.id)))


def test_confirm_pick_and_leave_open(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import ListRow

    phoned, bungalow = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "", "", ""],
                     ["2", bungalow["name"], "", "", bungalow["address"].replace("长庚里", "新塘里"), "", ""]])
    list_id = _list_id(app)
    assert _confirm_all(client, list_id).status_code == 303
    rows = _rows(app)
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    # The wrong-street row is confirmed by hand; a made-up choice is refused beside the row.
    bad = client.post(f"/lists/{list_id}/rows/{rows[1][3]}", data={**fields, "choice": "7"})
    assert bad.status_code == 422
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    assert client.post(f"/lists/{list_id}/rows/{rows[1][3]}", data={**fields, "choice": "0"}).status_code == 303
    with app.app_context():
        confirmed = {r.line: (r.household_id, r.match_kind) for r in db.session.scalars(select(ListRow))}
    assert confirmed[2] == (phoned["household_id"], "phone")
    assert confirmed[3] == (bungalow["household_id"], "name_address")


def _assign(client, list_id, **data):
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    return client.post(f"/lists/{list_id}/tasks", data={**fields, **data})


def test_tasks_by_grid_and_round_robin(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import ListTask, RoleAssignment, User

    phoned, _ = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "", "", ""], ["2", "查无此人", "13000000001", "", "", "", ""],
                     ["3", "查无此人二", "13000000002", "", "", "", ""]])
    list_id = _list_id(app)
    _confirm_all(client, list_id)
    response = _assign(client, list_id, method="door", rows="open", mode="by_grid", hours="4")
    assert response.status_code == 303 and "made=1" in response.headers["Location"]
    with app.app_context():
        from webapp.models import Household

        task = db.session.scalar(select(ListTask))
        building_id = db.session.scalar(select(Household.building_id).where(Household.id == phoned["household_id"]))
        # Whoever looks after the door: its building's lead, else its grid's volunteers.
        leads = set(db.session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.building_id == building_id)))
        holders = leads or set(db.session.scalars(select(RoleAssignment.user_id).where(
            RoleAssignment.grid_id == phoned["grid_id"])))
        assert task.method == "door" and holders and task.assignee_id in holders
        volunteer, lead = (db.session.scalar(select(User.id).where(User.username == name))
                           for name in ("volunteer", "lead"))
    # The rows without a door go round among the chosen people.
    missing = _assign(client, list_id, method="phone", rows="unmatched", mode="round_robin", hours="2")
    assert missing.status_code == 422 and "请至少选择一人" in missing.get_data(as_text=True)
    response = _assign(client, list_id, method="phone", rows="unmatched", mode="round_robin",
                       people=[str(volunteer), str(lead)], hours="2")
    assert response.status_code == 303
    with app.app_context():
        phone_tasks = db.session.scalars(select(ListTask).where(ListTask.method == "phone").order_by(ListTask.id)).all()
        assert [t.assignee_id for t in phone_tasks] == [volunteer, lead]
    # Someone outside the community is not a choice.
    with app.app_context():
        outsider = db.session.scalar(select(User.id).where(User.username == "volunteer2"))
    assert _assign(client, list_id, method="phone", rows="open", mode="round_robin", people=[str(outsider)],
                   hours="2").status_code == 422


def test_volunteer_records_a_phone_and_a_door_result_and_it_is_exported(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import ListTask, User, Visit

    phoned, _ = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "老地址", "大数据", "=1+1"],
                     ["2", "查无此人", "13000000001", "", "", "", ""]])
    list_id = _list_id(app)
    _confirm_all(client, list_id)
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    _assign(client, list_id, method="door", rows="matched", mode="round_robin", people=[str(volunteer)], hours="1")
    _assign(client, list_id, method="phone", rows="unmatched", mode="round_robin", people=[str(volunteer)],
            hours="1")
    with app.app_context():
        door_task, phone_task = db.session.scalars(select(ListTask).order_by(ListTask.id)).all()
        door_id, phone_id = door_task.id, phone_task.id
    helper = app.test_client()
    from tests.conftest import AuthActions
    assert AuthActions(helper).login("volunteer").status_code == 303
    assert 'href="/tasks"' in helper.get("/").get_data(as_text=True)
    mine = helper.get("/tasks").get_data(as_text=True)
    assert 'href="tel:13000000001"' in mine
    task_page = helper.get(f"/tasks/{phone_id}").get_data(as_text=True)
    bad = helper.post(f"/tasks/{phone_id}", data={**_fields(task_page), "result": "moved"})
    assert bad.status_code == 422 and "请写明迁往何处" in bad.get_data(as_text=True)
    fields = _fields(task_page)
    for _ in range(2):  # a double tap records once
        assert helper.post(f"/tasks/{phone_id}", data={**fields, "result": "moved", "moved_to": "新塘里12号"}
                           ).status_code == 303
    assert "不在此处／已迁走 → 新塘里12号" in helper.get("/tasks").get_data(as_text=True)  # the done list says where to
    door_page = helper.get(f"/tasks/{door_id}").get_data(as_text=True)
    assert helper.post(f"/tasks/{door_id}", data={**_fields(door_page), "result": "found", "note": "本人在家"}
                       ).status_code == 303
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.household_id == phoned["household_id"],
                                                      Visit.user_id == volunteer))
        assert visit.outcome == "verified" and visit.channel == "door" and "本人在家" in visit.note
        assert db.session.scalar(select(func.count(Visit.id)).where(Visit.user_id == volunteer,
                                                                     Visit.note.like("%查无此人%"))) == 0
    # Another volunteer cannot see or record it.
    other = app.test_client()
    AuthActions(other).login("volunteer2")
    assert other.get(f"/tasks/{door_id}").status_code == 404
    # Progress and export.
    page = client.get(f"/lists/{list_id}").get_data(as_text=True)
    assert re.search(r"已找到</dt><dd>1<", page) and re.search(r"未找到</dt><dd>1<", page)
    export = client.get(f"/lists/{list_id}.csv")
    table = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:7] == HEADER and table[0][7:] == ["匹配门牌", "匹配方式", "核查方式", "核查结果", "迁往地址",
                                                       "核查说明", "核查人", "核查时间"]
    assert table[1][6] == "'=1+1"  # formula-safe
    assert table[1][1] == "某某" and table[1][9] == "逐户排查" and table[1][10] == "已找到，确认在此"
    assert table[2][10] == "不在此处／已迁走" and table[2][11] == "新塘里12号"
    xlsx = client.get(f"/lists/{list_id}.xlsx")
    from webapp.spreadsheets import read_table
    assert read_table(xlsx.data, "x.xlsx").header == table[0]
    # The day's summary counts them.
    summary = client.get("/summary").get_data(as_text=True)
    assert re.search(r"名单核查完成</dt><dd>2<", summary) and re.search(r"名单核查找到</dt><dd>1<", summary)


def test_lists_are_out_of_scope_for_others(app, client, login_as, world):
    phoned, _ = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "", "", ""]])
    list_id = _list_id(app)
    other = app.test_client()
    from tests.conftest import AuthActions
    AuthActions(other).login("volunteer")
    assert other.get("/lists").status_code == 404
    assert other.get(f"/lists/{list_id}").status_code == 404
    assert other.get(f"/lists/{list_id}.csv").status_code == 404
    assert other.get("/tasks/999").status_code == 404


def test_htmx_confirms_one_row_and_swaps_only_that_row(app, client, login_as, world):
    phoned, bungalow = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", bungalow["name"], "", "", bungalow["address"].replace("长庚里", "新塘里"), "", ""]])
    list_id = _list_id(app)
    (_, _, _, row_id), = _rows(app)
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    bad = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": "9"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and bad.get_data(as_text=True).lstrip().startswith("<li id=\"row-")
    assert "请从列出的住户中选择一户" in bad.get_data(as_text=True)
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    done = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": "0"}, headers={"HX-Request": "true"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in html and "confirmed" in html and bungalow["address"] in html


def test_rows_can_be_filtered(app, client, login_as, world):
    phoned, _ = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "", "", ""], ["2", "查无此人", "13000000001", "", "", "", ""]])
    list_id = _list_id(app)
    _confirm_all(client, list_id)
    confirmed = client.get(f"/lists/{list_id}?show=confirmed").get_data(as_text=True)
    without = client.get(f"/lists/{list_id}?show=no_door").get_data(as_text=True)
    assert "某某" in confirmed and "查无此人" not in confirmed
    assert "查无此人" in without and "某某" not in without
    assert client.get(f"/lists/{list_id}?show=%00bogus").status_code in (200, 400)


def test_secretary_finds_and_picks_another_door_in_the_community(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, ListRow

    _, bungalow = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "查无此人", "13000000001", "", "幸福路999号", "", ""]])
    list_id = _list_id(app)
    (_, _, _, row_id), = _rows(app)
    number = re.search(r"(\d+)号", bungalow["address"]).group(1)
    found = client.get(f"/lists/{list_id}/rows/{row_id}/find?q={number}号", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and bungalow["address"] in html and "<html" not in html
    page = client.get(f"/lists/{list_id}/rows/{row_id}/find?q={number}号")  # a page without htmx
    assert page.status_code == 200 and bungalow["address"] in page.get_data(as_text=True)
    # The page of its own holds no #row-…: its picks are plain posts, not htmx swaps into a missing target.
    assert f'id="row-{row_id}"' not in page.get_data(as_text=True) and "hx-post" not in page.get_data(as_text=True)
    assert f'hx-target="#row-{row_id}"' in html  # in the list, htmx swaps the row
    with app.app_context():
        other = db.session.scalar(select(Household.id).where(Household.community_id == world.second_community))
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    outside = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": f"h{other}"})
    assert outside.status_code == 422  # a door of another community is not a choice
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    picked = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": f"h{bungalow['household_id']}"})
    assert picked.status_code == 303
    with app.app_context():
        row = db.session.get(ListRow, row_id)
        assert (row.household_id, row.match_kind) == (bungalow["household_id"], "picked")


def test_overdue_tasks_are_flagged(app, client, login_as, world):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import ListTask, User, utcnow

    login_as("secretary")
    _upload(client, [["1", "查无此人", "13000000001", "", "", "", ""], ["2", "查无此人二", "13000000002", "", "", "", ""]])
    list_id = _list_id(app)
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    _assign(client, list_id, method="tipoff", rows="open", mode="round_robin", people=[str(volunteer)], hours="1")
    with app.app_context():
        late = db.session.scalars(select(ListTask).order_by(ListTask.id)).first()
        late.due_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    page = client.get(f"/lists/{list_id}").get_data(as_text=True)
    assert "1 项任务已逾期" in page and page.count(">已逾期<") == 1
    from tests.conftest import AuthActions

    helper = app.test_client()
    AuthActions(helper).login("volunteer")
    mine = helper.get("/tasks").get_data(as_text=True)
    assert mine.count(">已逾期<") == 1 and mine.index("查无此人 <") < mine.index("查无此人二")


def test_upload_and_export_are_in_the_audit_log(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import AuditLog

    login_as("secretary")
    _upload(client, [["1", "查无此人", "13000000001", "", "", "", ""]])
    list_id = _list_id(app)
    assert client.get(f"/lists/{list_id}.xlsx").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "pushed_list")
                                          .order_by(AuditLog.id)))
    assert actions == ["list_uploaded", "list_exported"]
    assert "导出推送名单核查结果" in client.get("/audit").get_data(as_text=True)


def test_overdue_checks_are_handed_on(app, client, login_as, world):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import ListTask, User, utcnow

    login_as("secretary")
    _upload(client, [["1", "查无此人", "13000000001", "", "", "", ""], ["2", "查无此人二", "13000000002", "", "", "", ""]])
    list_id = _list_id(app)
    with app.app_context():
        volunteer, lead = (db.session.scalar(select(User.id).where(User.username == n)) for n in ("volunteer", "lead"))
    _assign(client, list_id, method="phone", rows="open", mode="round_robin", people=[str(volunteer)], hours="1")
    with app.app_context():
        first = db.session.scalars(select(ListTask).order_by(ListTask.id)).first()
        first.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    # Without the box nothing changes: every row has a check under way.
    response = _assign(client, list_id, method="door", rows="open", mode="round_robin", people=[str(lead)], hours="2")
    assert "made=0" in response.headers["Location"]
    response = _assign(client, list_id, method="tipoff", rows="open", mode="round_robin", people=[str(lead)],
                       hours="2", hand_on="y")
    assert "made=1" in response.headers["Location"]
    with app.app_context():
        tasks = [(t.assignee_id, t.method, t.due_at > utcnow()) for t in
                 db.session.scalars(select(ListTask).order_by(ListTask.id))]
    assert tasks == [(lead, "tipoff", True), (volunteer, "phone", True)]


def test_a_refused_choice_changes_nothing_and_the_corrected_form_keeps_its_request_id(app, client, login_as, world):
    """A refused pick claims nothing: the same form, corrected, is applied (not taken for a replay)."""
    from webapp.extensions import db
    from webapp.models import Household, ListRow, ProcessedRequest

    _, bungalow = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", bungalow["name"], "", "", bungalow["address"].replace("长庚里", "新塘里"), "", ""]])
    list_id = _list_id(app)
    (_, _, _, row_id), = _rows(app)
    with app.app_context():
        other = db.session.scalar(select(Household.id).where(Household.community_id == world.second_community))
    fields = _fields(client.get(f"/lists/{list_id}").get_data(as_text=True))
    for choice in (f"h{other}", "99999", "abc", "-1", "h99999999999999999999", "²", "h²"):
        refused = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": choice})
        assert refused.status_code == 422, choice
        assert "请从列出的住户中选择一户" in refused.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(ProcessedRequest, fields["request_id"]) is None, choice
            assert db.session.get(ListRow, row_id).confirmed_at is None
    done = client.post(f"/lists/{list_id}/rows/{row_id}", data={**fields, "choice": "0"})
    assert done.status_code == 303
    with app.app_context():
        row = db.session.get(ListRow, row_id)
        assert (row.household_id, row.match_kind) == (bungalow["household_id"], "name_address")
        assert db.session.get(ProcessedRequest, fields["request_id"]) is not None


def test_rows_that_name_nobody_are_left_out_and_phone_checks_need_a_number(app, client, login_as, world):
    """A row with only a note (an empty line with 备注 空行) became a list row, and 电话核查 made a task of it
    and of rows with no phone: the volunteer got a check with nobody to call. Now such a row is left out and
    the list says how many; a phone check goes only to rows with a number, the rest counted as not sent."""
    from webapp.extensions import db
    from webapp.models import ListRow, ListTask, User

    login_as("secretary")
    response = _upload(client, [["1", "王某", "13000000001", "", "", "", ""],
                                ["2", "", "", "", "", "", "空行"],
                                ["3", "李某", "", "", "长庚里3号", "", ""],
                                ["4", "", "", "", "", "街道", ""]])
    assert response.status_code == 303 and "left_out=2" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "文件中有 2 行没有姓名、电话、身份证后四位或地址，无从核查，已跳过。" in page
    list_id = _list_id(app)
    with app.app_context():
        assert sorted(db.session.scalars(select(ListRow.name).where(ListRow.list_id == list_id))) == ["李某", "王某"]
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    made = _assign(client, list_id, method="phone", rows="open", mode="round_robin", people=[str(volunteer)], hours="2")
    assert made.status_code == 303 and "made=1" in made.headers["Location"] and "skipped=1" in made.headers["Location"]
    with app.app_context():
        tasks = db.session.scalars(select(ListTask).join(ListRow).where(ListRow.list_id == list_id)).all()
        assert [t.row.name for t in tasks] == ["王某"]
    told = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "已生成 1 项任务；1 行未派出" in told
    # A file where no row names anyone is refused beside the file field, and stores nothing.
    lists_before = _list_id(app)
    refused = _upload(client, [["1", "", "", "", "", "", "空行"]])
    assert refused.status_code == 422 and "文件中没有一行可核查" in refused.get_data(as_text=True)
    assert _list_id(app) == lists_before


def test_a_pushed_list_with_a_title_above_its_header_is_read(app, client, login_as, world):
    """Lists pushed down from the district come with a title line and a blank line above the header."""
    phoned, _ = _people(app, world)
    login_as("secretary")
    body = _csv([["1", "某某", phoned["phone"], "", "不知道", "大数据", ""]]).decode("utf-8")
    data = ("东湖街道11月24日推送核查名单（请于当日反馈）\n\n" + body).encode("gbk")
    response = _upload(client, [], filename="推送名单.csv", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    ((line, name, candidates, _),) = _rows(app)
    assert (line, name) == (4, "某某") and candidates[0]["household_id"] == phoned["household_id"]


def test_home_says_how_many_list_checks_wait(app, client, login_as, world):
    """A check handed to a volunteer shows on their home page's 名单核查 button, until it is done."""
    import re as regex

    from webapp.extensions import db
    from webapp.models import User

    def checks_button(page: str) -> str:
        return regex.search(r'<a class="button[^"]*" href="/tasks">(.*?)</a>', page, regex.S).group(1)

    with app.app_context():
        volunteer, lead = (db.session.scalar(select(User.id).where(User.username == name))
                           for name in ("volunteer", "lead"))
    login_as("volunteer")
    assert regex.search(r"\d", checks_button(client.get("/").get_data(as_text=True))) is None
    login_as("secretary")
    _upload(client, [["1", "查无此人", "13000000001", "", "", "", ""], ["2", "查无此人二", "13000000002", "", "", "", ""]])
    assert _assign(client, _list_id(app), method="phone", rows="unmatched", mode="round_robin",
                   people=[str(volunteer)], hours="2").status_code == 303
    login_as("volunteer")
    button = checks_button(client.get("/").get_data(as_text=True))
    assert "名单核查" in button and ">2<" in button, button


def test_an_id_tail_excel_kept_as_a_number_keeps_its_leading_zero(app, client, login_as, world):
    """身份证后四位 0371 typed in Excel as a number is stored as 371: the row still finds its person."""
    from openpyxl import Workbook

    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        resident = db.session.scalars(select(Resident).join(Household).where(
            Household.community_id == world.first_community, Resident.id_number.isnot(None))
            .order_by(Resident.id)).first()
        resident.id_number = resident.id_number[:14] + "0371"
        db.session.commit()
        name, household_id = resident.name, resident.household_id
    book = Workbook()
    book.active.append(HEADER)
    book.active.append([1, name, None, 371, None, "公安", None])
    data = io.BytesIO()
    book.save(data)
    login_as("secretary")
    response = _upload(client, [], filename="推送名单.xlsx", data=data.getvalue())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    ((_, _, candidates, _),) = _rows(app)
    assert candidates and candidates[0]["household_id"] == household_id and candidates[0]["how"] == "id_name"


def test_the_people_to_take_turns_are_opened_by_what_they_are_for(app, client, login_as, world):
    """The fold with the people says what it is for (选择轮流分派的人员), not 人员 right above the list's own 人员."""
    login_as("secretary")
    _upload(client, [["1", "某某", "13000000001", "", "幸福路1号", "大数据", ""]])
    from webapp.extensions import db
    from webapp.models import PushedList

    with app.app_context():
        list_id = db.session.scalar(select(PushedList.id))
    html = client.get(f"/lists/{list_id}").get_data(as_text=True)
    fold = html.split('id="assign"')[1].split("</details>")[0]
    assert "<summary>选择轮流分派的人员</summary>" in fold and "<summary>人员</summary>" not in fold

