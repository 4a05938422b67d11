"""Round status around the window edges, with a fixed clock; anomaly rules; window parsing."""
from datetime import date, datetime, time

import pytest

from webapp.patrols.rounds import Seen, Window, min_walk_minutes, round_for, round_state, too_fast

DAY = date(2026, 11, 20)
MORNING = Window(1, time(8), time(10))
STOPS = {1, 2, 3}


def at(hour, minute=0, second=0):
    return datetime.combine(DAY, time(hour, minute, second))


def seen(*pairs):
    return [Seen(checkpoint, moment, 1) for checkpoint, moment in pairs]


@pytest.mark.parametrize("scans,open_patrol,now,expected", [
    # All three inside the window, edges included.
    (seen((1, at(8)), (2, at(9)), (3, at(10))), False, at(12), "on_time"),
    # One second before the window opens, or after it closes: late.
    (seen((1, at(7, 59, 59)), (2, at(9)), (3, at(9, 30))), False, at(12), "late"),
    (seen((1, at(8)), (2, at(9)), (3, at(10, 0, 1))), False, at(12), "late"),
    # Two of three, window over: incomplete; window still open and round not ended: in progress.
    (seen((1, at(8, 30)), (2, at(9))), False, at(10, 0, 1), "incomplete"),
    (seen((1, at(8, 30)), (2, at(9))), True, at(9, 59), "in_progress"),
    (seen((1, at(8, 30)), (2, at(9))), True, at(10, 0, 1), "incomplete"),
    (seen((1, at(8, 30)), (2, at(9))), False, at(9, 30), "incomplete"),  # ended early with a reason
    # Nothing scanned: pending before the window, due while it is open (edges included), missed after.
    ([], False, at(7, 59), "pending"),
    ([], False, at(10), "due"),
    ([], False, at(10, 0, 1), "missed"),
    # The same checkpoint twice does not make a round complete.
    (seen((1, at(8)), (1, at(8, 5)), (2, at(9))), False, at(11), "incomplete"),
])
def test_round_state(scans, open_patrol, now, expected):
    result = round_state(MORNING, DAY, STOPS, scans, open_patrol, now)
    assert result.state == expected
    assert result.total == 3


@pytest.mark.parametrize("open_patrol,now,expected", [
    (False, at(7, 50), "incomplete"),  # started early, given up before the window opened
    (False, at(9), "incomplete"),  # given up inside the window: not "due" as if nobody had gone
    (False, at(12), "incomplete"),  # and after it: not "missed"
    (True, at(9), "due"),  # started again: under way, nothing seen yet
])
def test_a_round_ended_with_nothing_scanned(open_patrol, now, expected):
    assert round_state(MORNING, DAY, STOPS, [], open_patrol, now, ended_patrol=True).state == expected


@pytest.mark.parametrize("moment,expected", [
    (time(6), 1), (time(8), 1), (time(9, 59), 1), (time(12), 1), (time(14), 2), (time(16, 30), 2), (time(23), 3),
])
def test_round_for_a_start_time(moment, expected):
    windows = [Window(1, time(8), time(10)), Window(2, time(14), time(16)), Window(3, time(19), time(21))]
    assert round_for(windows, moment) == expected


def test_scans_faster_than_the_walk_are_flagged():
    positions = {1: 1, 2: 2, 3: 3}
    walk = {1: 0, 2: 3, 3: 4}  # 1 → 2 takes 3 min, 2 → 3 takes 4 min
    assert min_walk_minutes(positions, walk, 1, 3) == 7
    assert min_walk_minutes(positions, walk, 3, 1) == 7
    honest = seen((1, at(8)), (2, at(8, 3)), (3, at(8, 7)))
    assert too_fast(honest, positions, walk) == []
    rushed = seen((1, at(8)), (3, at(8, 2)), (2, at(8, 10)))  # 1 → 3 in 2 minutes
    flagged = too_fast(rushed, positions, walk)
    assert [(a.checkpoint_id, b.checkpoint_id, need) for a, b, need in flagged] == [(1, 3, 7)]


def test_parse_windows(app):
    from webapp.patrols.services import PatrolError, parse_windows

    with app.test_request_context():
        assert parse_windows("8:00-10:00，14:00－16:00") == [(time(8), time(10)), (time(14), time(16))]
        for bad in ("", "8-10", "10:00-08:00", "08:00-10:00, 09:00-11:00", "早上"):
            with pytest.raises(PatrolError):
                parse_windows(bad)
