"""How a round went, and what looks wrong: pure functions over times, tested with a fixed clock.

A route's day has one time window per round (e.g. 08–10, 14–16, 19–21). A round is:
- on_time: every checkpoint seen, first and last scan inside the window (edges included);
- late: every checkpoint seen, but some of it outside the window;
- incomplete: some checkpoints seen, and the round is over (ended, or its window passed); or a
  patrol of it was ended with nothing seen (given up, with its reason) and none is under way;
- in_progress: some seen, the window still open and the round not ended;
- missed: nothing seen and the window has passed;
- due: nothing seen yet and the window is open now (edges included);
- pending: nothing seen yet and the window has not opened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


@dataclass
class Window:
    round_no: int
    starts_at: time
    ends_at: time

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        return datetime.combine(day, self.starts_at), datetime.combine(day, self.ends_at)


@dataclass
class Seen:
    """One scan as the rules need it: local time, checkpoint, and which round it belongs to."""

    checkpoint_id: int
    at: datetime  # local time
    patrol_id: int = 0


@dataclass
class RoundResult:
    window: Window
    state: str
    seen: int
    total: int
    patrol_ids: list[int] = field(default_factory=list)


def round_for(windows: list[Window], moment: time) -> int:
    """The round a patrol started at `moment` belongs to: the window it falls in; after a window, that
    (late) round until the next one opens; before the first, the first."""
    ordered = sorted(windows, key=lambda w: w.starts_at)
    chosen = ordered[0]
    for window in ordered:
        if window.starts_at <= moment:
            chosen = window
    return chosen.round_no


def round_state(window: Window, day: date, stop_ids: set[int], seen: list[Seen], open_patrol: bool,
                now: datetime, ended_patrol: bool = False) -> RoundResult:
    start, end = window.bounds(day)
    covered = {s.checkpoint_id for s in seen} & stop_ids
    patrols = sorted({s.patrol_id for s in seen})
    if not seen and ended_patrol and not open_patrol:
        state = "incomplete"
    elif not seen:
        state = "pending" if now < start else "due" if now <= end else "missed"
    elif covered == stop_ids:
        first, last = min(s.at for s in seen), max(s.at for s in seen)
        state = "on_time" if start <= first and last <= end else "late"
    elif open_patrol and now <= end:
        state = "in_progress"
    else:
        state = "incomplete"
    return RoundResult(window, state, len(covered), len(stop_ids), patrols)


def min_walk_minutes(positions: dict[int, int], walk: dict[int, int], a: int, b: int) -> int:
    """The quickest walk between two checkpoints along the route: the stops' walking minutes between them."""
    low, high = sorted((positions[a], positions[b]))
    by_position = {position: walk[checkpoint] for checkpoint, position in positions.items()}
    return sum(by_position[p] for p in range(low + 1, high + 1))


def too_fast(scans: list[Seen], positions: dict[int, int], walk: dict[int, int]) -> list[tuple[Seen, Seen, int]]:
    """Consecutive scans of one round closer in time than walking between them allows."""
    flagged = []
    ordered = sorted(scans, key=lambda s: s.at)
    for before, after in zip(ordered, ordered[1:]):
        if before.checkpoint_id == after.checkpoint_id:
            continue
        if before.checkpoint_id not in positions or after.checkpoint_id not in positions:
            continue
        needed = min_walk_minutes(positions, walk, before.checkpoint_id, after.checkpoint_id)
        if after.at - before.at < timedelta(minutes=needed):
            flagged.append((before, after, needed))
    return flagged
