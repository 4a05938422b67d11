"""Who sees what: a matrix of roles × objects. Outside one's scope is always a plain 404."""
import re

import pytest

from tests.conftest import World

# (role, object kind, expected status) — object kinds are attributes of the World fixture.
MATRIX = {
    "admin": {"community:first": 200, "community:second": 200, "grid:volunteer": 200, "grid:second": 200,
              "building:volunteer": 200, "building:other": 200, "building:second": 200,
              "household:volunteer": 200, "household:other": 200, "household:second": 200, "users": 200},
    "secretary": {"community:first": 200, "community:second": 404, "grid:volunteer": 200, "grid:second": 404,
                  "building:volunteer": 200, "building:other": 200, "building:second": 404,
                  "household:volunteer": 200, "household:other": 200, "household:second": 404, "users": 200},
    "lead": {"community:first": 404, "community:second": 404, "grid:volunteer": 404, "grid:second": 404,
             "building:lead": 200, "building:other": 404, "building:second": 404,
             "household:lead": 200, "household:other": 404, "household:second": 404, "users": 404},
    "volunteer": {"community:first": 404, "community:second": 404, "grid:volunteer": 200, "grid:other": 404,
                  "grid:second": 404, "building:volunteer": 200, "building:other": 404, "building:second": 404,
                  "household:volunteer": 200, "household:other": 404, "household:second": 404, "users": 404},
    "volunteer2": {"community:first": 404, "community:second": 404, "grid:volunteer": 404, "grid:second": 200,
                   "building:volunteer": 404, "building:second": 200, "household:volunteer": 404,
                   "household:second": 200, "users": 404},
}


def url_for_object(world: World, key: str) -> str:
    if key == "users":
        return "/users"
    kind, which = key.split(":")
    if kind == "community":
        return f"/communities/{world.first_community if which == 'first' else world.second_community}"
    if kind == "grid":
        return f"/grids/{getattr(world, f'{which}_grid')}"
    if kind == "building":
        return f"/buildings/{getattr(world, f'{which}_building')}"
    return f"/h/{getattr(world, f'{which}_household')}"


CASES = [(role, key, status) for role, row in MATRIX.items() for key, status in row.items()]


@pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("role", list(MATRIX))
def test_scope_matrix(role, client, login_as, world):
    login_as(role)
    for key, expected in MATRIX[role].items():
        url = url_for_object(world, key)
        response = client.get(url)
        assert response.status_code == expected, f"{role} {key} {url}"
        if expected == 404:
            html = response.get_data(as_text=True)
            assert "找不到页面" in html  # the same friendly page whether it exists or not


def test_unknown_ids_and_tokens_look_the_same_as_forbidden_ones(client, login_as, world):
    login_as("volunteer")
    forbidden = client.get(f"/h/{world.second_household}")
    unknown = client.get("/h/no-such-sticker-token-xx")
    assert forbidden.status_code == unknown.status_code == 404
    # Identical but for the page's own address (in the language switch's return link) and the
    # CSRF token, which carries a timestamp.
    def normalized(response, token):
        html = response.get_data(as_text=True).replace(token, "T")
        # The CSRF token, the request ids (fresh for every form shown) and the server's clock (for the page's
        # clock offset) differ per response.
        return re.sub(r'(csrf-token" content="|X-CSRFToken": "|name="csrf_token" value="|name="request_id" value="|data-now=")[^"]+', r"\1", html)

    assert normalized(forbidden, world.second_household) == normalized(unknown, "no-such-sticker-token-xx")
    assert client.get("/buildings/999999").status_code == 404


def test_building_page_lists_its_doors_with_sticker_links(client, login_as, world, app):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household

    login_as("volunteer")
    html = client.get(f"/buildings/{world.volunteer_building}").get_data(as_text=True)
    with app.app_context():
        households = db.session.scalars(select(Household).where(Household.building_id == world.volunteer_building)).all()
    assert households
    for household in households:
        assert f"/h/{household.sticker_token}" in html
        assert household.address in html


def test_household_card_masks_phone_and_id_numbers(client, login_as, world, app):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        resident = db.session.scalars(
            select(Resident).join(Household).where(Household.building_id == world.volunteer_building,
                                                   Resident.phone.isnot(None))).first()
        token = resident.household.sticker_token
        phone, id_number, name = resident.phone, resident.id_number, resident.name
    login_as("volunteer")
    html = client.get(f"/h/{token}").get_data(as_text=True)
    assert name in html
    assert phone not in html and f"{phone[:3]}****{phone[-4:]}" in html
    assert id_number not in html and id_number[-4:] in html


def test_secretary_user_list_holds_only_their_community(client, login_as):
    login_as("secretary")
    html = client.get("/users").get_data(as_text=True)
    for username in ("secretary", "lead", "volunteer"):
        assert f"（{username}）" in html
    assert "（volunteer2）" not in html and "（admin）" not in html
