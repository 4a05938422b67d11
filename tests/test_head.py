"""HEAD asks for what GET would answer, without the body: never a form's 422 (link previews send it)."""
import pytest


@pytest.mark.parametrize("path", ["/login", "/join/no-such-invite-token-xx"])
def test_head_of_a_public_form_page_answers_like_get(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code and head.get_data() == b""


def test_head_of_a_card_answers_like_get(client, login_as, world):
    login_as("volunteer")
    assert client.head(f"/h/{world.volunteer_household}").status_code == 200
