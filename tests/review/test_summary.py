"""The daily summary against hand-counted fixtures, its exports, sign-off and the street roll-up."""
import csv
import io
import uuid
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.review.helpers import add_visit, utc_of_local, user_id

DAY = date(2026, 11, 20)


def _grid_rows(html):
    import re

    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return {name: [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]
            for name, cells in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', body, re.S)}


def _fixture(app, world):
    """In the volunteer's grid on DAY: door A verified; B not home twice; C refused then verified;
    D vacant; E visited the day before; one knock undone. Two new arrivals, a patrol finding."""
    from webapp.extensions import db
    from webapp.models import Case, Grid, Household, Patrol, PatrolScan, Resident, Route, WorkGroup

    with app.app_context():
        doors = db.session.scalars(select(Household).where(Household.grid_id == world.volunteer_grid)
                                   .order_by(Household.id).limit(6)).all()
        v = user_id("volunteer")
        add_visit(doors[0].id, v, "verified", utc_of_local(DAY, 9))
        add_visit(doors[1].id, v, "not_home", utc_of_local(DAY, 9, 10))
        add_visit(doors[1].id, v, "not_home", utc_of_local(DAY, 19))
        add_visit(doors[2].id, v, "refused", utc_of_local(DAY, 10))
        add_visit(doors[2].id, v, "verified", utc_of_local(DAY, 20))
        add_visit(doors[3].id, v, "vacant", utc_of_local(DAY, 0, 30))      # 00:30 local is still that day
        add_visit(doors[4].id, v, "verified", utc_of_local(DAY, -1))       # 23:00 the day before
        undone = add_visit(doors[5].id, v, "verified", utc_of_local(DAY, 11))
        undone.undone_at = undone.visited_at
        db.session.add_all([
            Resident(household_id=doors[0].id, name="新来甲", category="nonlocal_temporary",
                     created_at=utc_of_local(DAY, 12)),
            Resident(household_id=doors[0].id, name="新来乙", category="local_permanent",
                     created_at=utc_of_local(DAY, 13)),
        ])
        route = db.session.scalar(select(Route).where(Route.community_id == world.first_community))
        patrol = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=v, day=DAY, round_no=1,
                        started_at=utc_of_local(DAY, 8), ended_at=utc_of_local(DAY, 9))
        db.session.add(patrol)
        db.session.flush()
        scan = PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=route.stops[0].checkpoint_id,
                          scanned_at=utc_of_local(DAY, 8, 20), result="finding", finding_kind="gathering",
                          resolution="handed")
        db.session.add(scan)
        db.session.flush()
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.community_id == world.first_community))
        db.session.add(Case(community_id=world.first_community, work_group_id=group.id, scan_id=scan.id,
                            title="聚集", created_at=utc_of_local(DAY, 8, 21), created_by_id=v))
        db.session.commit()
        return db.session.get(Grid, world.volunteer_grid).name


def test_summary_figures_match_the_hand_count(app, client, login_as, world):
    grid_name = _fixture(app, world)
    login_as("secretary")
    html = client.get("/summary", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    rows = _grid_rows(html)
    # checked, reached, not home, refused, vacant, new 本地常住, 外地常住, 本地暂住, 外地暂住
    assert rows[grid_name] == [4, 3, 1, 1, 1, 1, 0, 0, 1]
    for name, figures in rows.items():
        if name != grid_name:
            assert figures == [0] * 9
    assert "<dt>巡查发现问题</dt><dd>1</dd>" in html and "<dt>未结事项</dt><dd>1</dd>" in html


def test_a_day_with_no_activity_is_all_zeros(app, client, login_as, world):
    _fixture(app, world)
    login_as("secretary")
    html = client.get("/summary", query_string={"day": "2026-11-18"}).get_data(as_text=True)
    assert all(figures == [0] * 9 for figures in _grid_rows(html).values())
    assert "<dt>巡查发现问题</dt><dd>0</dd>" in html and "<dt>未结事项</dt><dd>0</dd>" in html


def test_csv_and_xlsx_hold_the_same_figures(app, client, login_as, world):
    grid_name = _fixture(app, world)
    login_as("secretary")
    csv_rows = list(csv.reader(io.StringIO(client.get("/summary.csv", query_string={"day": DAY.isoformat()})
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    xlsx = client.get("/summary.xlsx", query_string={"day": DAY.isoformat()})
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    xlsx_rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [r[: len(c)] for r, c in zip(xlsx_rows, csv_rows)] == csv_rows
    mine = next(row for row in csv_rows if row[0] == grid_name)
    assert mine[1:] == ["4", "3", "1", "1", "1", "1", "0", "0", "1"]
    assert csv_rows[1][0] == "网格" and csv_rows[1][1] == "排查户数"


def test_the_exported_summary_reads_right_up_the_chain(app, client, login_as, world):
    """The street gets one file a day from every community: it is saved under the community's name and the day,
    says what it is, and its findings table names the place and the work group a finding was handed to."""
    from urllib.parse import unquote

    from webapp.extensions import db
    from webapp.models import WorkGroup

    _fixture(app, world)
    with app.app_context():
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.community_id == world.first_community)).name
    login_as("secretary")
    for kind in ("csv", "xlsx"):
        response = client.get(f"/summary.{kind}", query_string={"day": DAY.isoformat()})
        disposition = response.headers["Content-Disposition"]
        assert f'filename="daily-summary-{world.first_community}-{DAY.isoformat()}.{kind}"' in disposition
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"长庚社区-每日汇总-{DAY.isoformat()}.{kind}"
    rows = list(csv.reader(io.StringIO(client.get("/summary.csv", query_string={"day": DAY.isoformat()})
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["长庚社区", "每日汇总", DAY.isoformat()]
    title = rows.index(["巡查发现问题"])
    assert rows[title + 1] == ["点位", "时间", "发现问题", "备注", "巡查人", "处理方式"]
    assert rows[title + 2][-1] == f"已转交工作小组：{group}"


def test_a_handed_on_finding_names_its_work_group_on_the_summary_and_the_patrol_log(app, client, login_as, world):
    """The secretary reviewing the day sees which work group has the seal to fix, not only that someone has it."""
    from webapp.extensions import db
    from webapp.models import WorkGroup

    _fixture(app, world)
    with app.app_context():
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.community_id == world.first_community)).name
    login_as("secretary")
    for path in ("/summary", "/patrols/log"):
        html = client.get(path, query_string={"day": DAY.isoformat()}).get_data(as_text=True)
        assert f"已转交工作小组：{group}" in html, path


def test_the_printed_summary_lists_the_days_findings(app, client, login_as, world):
    """A printed summary carried up the chain says what the patrols found, as the page and the file do."""
    from webapp.extensions import db
    from webapp.models import PatrolScan

    _fixture(app, world)
    with app.app_context():
        scan = db.session.scalar(select(PatrolScan).where(PatrolScan.result == "finding"))
        place, note = scan.checkpoint.name, scan.note
    login_as("secretary")
    html = client.get("/summary", query_string={"day": DAY.isoformat(), "print": "1"}).get_data(as_text=True)
    findings = html.split('<table class="findings">')[1].split("</table>")[0]
    assert "<th>点位</th>" in findings and place in findings and "已转交工作小组：" in findings
    assert not note or note in findings
    # A day without findings prints no empty table.
    quiet = client.get("/summary", query_string={"day": "2026-11-18", "print": "1"}).get_data(as_text=True)
    assert 'class="findings"' not in quiet


def test_the_signed_card_sets_the_comment_apart_from_who_signed(app, client, login_as, world):
    """陈书记 已于 … 签批。 then the note to the street under it, labelled, not run on after a stray space."""
    _fixture(app, world)
    login_as("secretary")
    csrf = csrf_token_from(client, "/summary")
    client.post("/summary", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "day": DAY.isoformat(),
                                  "comment": "全部完成"})
    html = client.get("/summary", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    card = html.split('id="sign"')[1].split("</p>")[0]
    assert "签批。<br>报街道的说明：全部完成" in card


def test_an_export_name_in_chinese_is_safe_and_readable(app):
    from webapp.spreadsheets import _attachment

    header = _attachment('11/25 "推送";名单.csv', "pushed-list-3-results.csv")["Content-Disposition"]
    assert header.startswith('attachment; filename="pushed-list-3-results.csv"; filename*=UTF-8\'\'')
    assert "/" not in header.split("filename*=")[1] and '"' not in header.split("filename*=")[1]
    assert _attachment("patrol-log-1.csv")["Content-Disposition"] == 'attachment; filename="patrol-log-1.csv"'


def test_sign_then_the_admin_sees_the_street_roll_up(app, client, login_as, auth, world):
    from webapp.models import DailySummary

    from tests.doors.helpers import count

    _fixture(app, world)
    login_as("secretary")
    csrf = csrf_token_from(client, "/summary")
    form = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "day": DAY.isoformat(), "comment": "全部完成"}
    assert client.post("/summary", data=form).status_code == 303
    assert client.post("/summary", data=form).status_code == 303
    assert count(app, DailySummary) == 1
    assert "全部完成" in client.get("/summary", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    assert client.get("/summary/street").status_code == 404  # only the admin rolls up the street
    auth.logout()
    login_as("admin")
    html = client.get("/summary/street", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    assert "长庚社区" in html and "新塘社区" in html and "尚未签批" in html
    # What the secretary wrote to the street, and the day and time she signed (often the next morning).
    from webapp.extensions import db

    with app.app_context():
        signed = db.session.scalar(select(DailySummary))
        signed_at = format_datetime(signed.signed_at, "short", tzinfo=ZoneInfo("Asia/Shanghai"), locale="zh_CN")
    community = html.split("长庚社区</a>")[1].split("</li>")[0]
    assert "报街道的说明：全部完成" in community and f"于 {signed_at} 签批" in community
    total = html.split('class="figure-list total"')[1].split("</dl>")[0]
    assert "<dt>排查户数</dt><dd>4</dd>" in total  # households checked, from the signed summary
    # Readable on a phone: no table cell spread across the columns of an unsigned community.
    assert "colspan" not in html


def test_summary_is_scoped_and_survives_bad_days(client, login_as, world):
    login_as("secretary")
    assert client.get("/summary", query_string={"community": world.second_community}).status_code == 404
    assert client.get("/summary", query_string={"day": "2026-13-45"}).status_code == 422  # the page, with a message
    assert client.get("/summary.xlsx", query_string={"day": "x"}).status_code == 422  # the page, not a file
    login_as("volunteer")
    assert client.get("/summary").status_code == 404
    assert client.get("/dashboard").status_code == 404


def test_print_view(client, login_as):
    login_as("secretary")
    html = client.get("/summary", query_string={"print": 1}).get_data(as_text=True)
    assert "print.css" in html and "每日汇总" in html


def test_the_summary_counts_the_days_patrol_rounds(app, client, login_as, world):
    """一日三巡 goes up the chain with the knocks: rounds on time out of all of them, and how many were missed,
    left incomplete or late (as the dashboard counts them), on the page and in the file."""
    from webapp.extensions import db
    from webapp.models import Patrol, PatrolScan, Route

    with app.app_context():
        route = db.session.scalar(select(Route).where(Route.community_id == world.first_community))
        windows, stops = len(route.windows), [stop.checkpoint_id for stop in route.stops]
        first = route.windows[0].starts_at
        assert windows >= 3 and len(stops) >= 2
        walked = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=user_id("volunteer"), day=DAY,
                        round_no=1, started_at=utc_of_local(DAY, first.hour), ended_at=utc_of_local(DAY, first.hour, 30))
        cut_short = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=user_id("volunteer"), day=DAY,
                           round_no=2, started_at=utc_of_local(DAY, route.windows[1].starts_at.hour),
                           ended_at=utc_of_local(DAY, route.windows[1].starts_at.hour, 10))
        db.session.add_all([walked, cut_short])
        db.session.flush()
        db.session.add_all([PatrolScan(request_id=uuid.uuid4().hex, patrol_id=walked.id, checkpoint_id=checkpoint,
                                       scanned_at=utc_of_local(DAY, first.hour, 5 + n), result="normal")
                            for n, checkpoint in enumerate(stops)])
        db.session.add(PatrolScan(request_id=uuid.uuid4().hex, patrol_id=cut_short.id, checkpoint_id=stops[0],
                                  scanned_at=utc_of_local(DAY, route.windows[1].starts_at.hour, 5), result="normal"))
        db.session.commit()
    login_as("secretary")
    html = client.get("/summary", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    assert f"<dt>按时巡查</dt><dd>1/{windows}</dd>" in html
    assert f"漏巡 {windows - 2} 轮，未完成 1 轮，迟到 0 轮。" in html
    rows = list(csv.reader(io.StringIO(client.get("/summary.csv", query_string={"day": DAY.isoformat()})
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert ["巡查轮次", str(windows), "按时 1", "未完成 1", f"漏巡 {windows - 2}"] in rows
