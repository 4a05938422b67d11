"""Both sign-offs (the patrol log and the daily summary) behave alike: a bad one re-renders the page
with the message beside the comment, keeps what was typed, stores nothing; a good one is stored once."""
import uuid

import pytest

from tests.conftest import csrf_token_from
from tests.doors.helpers import count

SIGN_OFFS = [("/patrols/log", "/patrols/log/signoff", "PatrolSignoff"), ("/summary", "/summary", "DailySummary")]


@pytest.mark.parametrize("page,action,model", SIGN_OFFS)
def test_a_bad_sign_off_keeps_the_comment_and_says_why(app, client, login_as, page, action, model):
    from webapp import models
    from webapp.clock import local_today

    login_as("secretary")
    with app.app_context():
        today = local_today().isoformat()
    comment = "核对无误" + "很长" * 600
    response = client.post(action, data={"csrf_token": csrf_token_from(client, page), "request_id": uuid.uuid4().hex,
                                         "day": today, "comment": comment})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error"' in html and comment in html
    assert count(app, getattr(models, model)) == 0


@pytest.mark.parametrize("page,action,model", SIGN_OFFS)
def test_a_sign_off_replayed_is_stored_once(app, client, login_as, page, action, model):
    from webapp import models
    from webapp.clock import local_today

    login_as("secretary")
    with app.app_context():
        today = local_today().isoformat()
    data = {"csrf_token": csrf_token_from(client, page), "request_id": uuid.uuid4().hex, "day": today,
            "comment": "巡查到位"}
    assert client.post(action, data=data).status_code == 303
    assert client.post(action, data=data).status_code == 303
    assert count(app, getattr(models, model)) == 1
    assert "巡查到位" in client.get(page).get_data(as_text=True)
