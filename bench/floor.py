"""The app's own floor: Doorstep as `make run` serves it (session cookie, Flask-Login with the
signed-in user read, CSRF, compression, security headers), plus one route that does nothing after
all that. bench/knock.py measures it beside the knock and the bare ceiling, so RESULTS.md shows how
much of the knock's CPU is the stack a request passes through and how much is the knock itself."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_login import login_required  # noqa: E402

from webapp import create_app  # noqa: E402

app = create_app()


@login_required
def nothing():
    return "ok"


app.add_url_rule("/bench/floor", "bench_floor", nothing, methods=["POST"])
