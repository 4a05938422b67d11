"""The secretary prints pads of slips and issues them; the pad page decodes to /s/ URLs."""
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from


def test_slip_pad_page_ends_in_slips_print(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import NoteSlip, SlipPad

    login_as("secretary")
    response = client.get("/slips/print")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        pad = db.session.scalar(select(SlipPad).where(SlipPad.community_id == world.first_community)
                                .order_by(SlipPad.id.desc()))
        slips = db.session.scalars(select(NoteSlip.code).where(NoteSlip.pad_id == pad.id)).all()
    assert html.count('<svg class="qr"') == len(slips)
    for code in slips:
        assert f"{code[:4]}-{code[4:]}" in html
    assert "长庚社区" in html and "020-8666 1234" in html


def test_secretary_prints_and_issues_a_pad(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import SlipPad, User

    login_as("secretary")
    page = client.get("/slips").get_data(as_text=True)
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    assert f'value="{volunteer}"' in page
    csrf = csrf_token_from(client, "/slips")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "count": "24", "issued_to": str(volunteer)}
    response = client.post("/slips", data=data)
    assert response.status_code == 303 and "/slips/print?pad=" in response.headers["Location"]
    replay = client.post("/slips", data=data)  # the first result again: the same pad's print page
    assert replay.status_code == 303 and replay.headers["Location"] == response.headers["Location"]
    with app.app_context():
        pads = db.session.scalars(select(SlipPad).where(SlipPad.issued_to_id == volunteer)).all()
        assert len(pads) == 2  # the demo's pad and this one
        assert len(pads[-1].slips) == 24
    bad = client.post("/slips", data={**data, "request_id": uuid.uuid4().hex, "count": "5000"})
    assert bad.status_code == 422 and "请填写 8 到 200 之间的数" in bad.get_data(as_text=True)


def test_pads_are_numbered_within_their_community(app, client, login_as, world):
    """第 n 本 counts the community's own pads: another community's pads (made in between) skip no number."""
    from webapp.extensions import db
    from webapp.models import SlipPad

    login_as("admin")
    made = []
    for community in (world.first_community, world.second_community, world.first_community):
        csrf = csrf_token_from(client, f"/slips?community={community}")
        response = client.post("/slips", query_string={"community": community},
                               data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "count": "8",
                                     "issued_to": "0"})
        assert response.status_code == 303, response.get_data(as_text=True)
        made.append(int(response.headers["Location"].rsplit("=", 1)[1]))
    with app.app_context():
        numbers = {community: db.session.scalars(select(SlipPad.number).where(SlipPad.community_id == community)
                                                 .order_by(SlipPad.id)).all()
                   for community in (world.first_community, world.second_community)}
        last = db.session.get(SlipPad, made[-1])
        assert last.community_id == world.first_community
    for community, sequence in numbers.items():
        assert sequence == list(range(1, len(sequence) + 1)), (community, sequence)
    assert last.number == len(numbers[world.first_community]) and last.number < made[-1]
    printed = client.get("/slips/print", query_string={"pad": made[-1]}).get_data(as_text=True)
    assert f"第 {last.number} 本" in printed
    listed = client.get("/slips", query_string={"community": world.first_community}).get_data(as_text=True)
    assert f"第 {last.number} 本" in listed and f"第 {made[-1]} 本" not in listed


def test_volunteers_print_only_their_own_pads(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import SlipPad

    with app.app_context():
        other = db.session.scalar(select(SlipPad.id).where(SlipPad.community_id == world.second_community))
    login_as("volunteer")
    assert client.get("/slips/print").status_code == 200  # their own pad
    assert client.get("/slips/print", query_string={"pad": other}).status_code == 404
    assert client.get("/slips").status_code == 404


def test_admin_prints_a_pad_for_the_second_community(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import SlipPad

    login_as("admin")
    page = client.get("/slips", query_string={"community": world.second_community})
    assert page.status_code == 200 and "新塘社区" in page.get_data(as_text=True)
    csrf = csrf_token_from(client, "/slips")
    response = client.post(f"/slips?community={world.second_community}", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "count": "8", "issued_to": "0"})
    assert response.status_code == 303
    with app.app_context():
        newest = db.session.scalar(select(SlipPad).order_by(SlipPad.id.desc()))
        assert newest.community_id == world.second_community and len(newest.slips) == 8


def test_a_pad_is_listed_by_the_code_on_its_first_slip(app, client, login_as, world):
    """The pad list names a pad by the slip on top of it as printed, not by the alphabetically first code
    (a secretary matching a pad in her hand saw a code from its middle)."""
    from webapp.extensions import db
    from webapp.models import NoteSlip

    from webapp.slips.codes import check_character

    with app.app_context():
        slips = db.session.scalars(select(NoteSlip).where(NoteSlip.community_id == world.first_community)
                                   .order_by(NoteSlip.id)).all()
        slips[0].code = "YYYYYYY" + check_character("YYYYYYY")  # the first printed, the last alphabetically
        db.session.commit()
        codes = [slip.code for slip in slips]
    login_as("secretary")
    page = client.get("/slips").get_data(as_text=True)
    printed = client.get("/slips/print").get_data(as_text=True)
    assert printed.index(f"{codes[0][:4]}-{codes[0][4:]}") < printed.index(f"{codes[1][:4]}-{codes[1][4:]}")
    assert f"{codes[0][:4]}…" in page and f"{min(codes)[:4]}…" not in page
