"""The call and event pages written directly (``simulator/page_text.py``) are byte for byte what
``json.dumps`` of the dicts gives, for every scenario, while it runs and once it is over, and
again when read from the settled items' cache."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from triage_gui.simulator import ManualClock, Simulator
from triage_gui.simulator.clock import iso
from triage_gui.simulator.failure_codes import Failure
from triage_gui.simulator.page_text import calls_page_bytes, event_text, events_page_bytes
from triage_gui.simulator.plan import Attempt, Event
from triage_gui.simulator.resources import call_json, event_json, page_json


def _dumps(items: list[dict[str, object]], cursor: str | None) -> bytes:
    return json.dumps(page_json(items, cursor), ensure_ascii=False).encode("utf-8")


def test_iso_is_strftime() -> None:
    rng = random.Random(3)
    moments = [0, 1, 59.9, 86_399, 86_400, -1.5, -86_401, 1_795_000_000.7] + [rng.uniform(0, 4e9) for _ in range(5000)]
    for ts in moments:
        assert iso(ts) == datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_pages_are_what_json_dumps_gives_for_every_scenario_at_every_stage() -> None:
    clock = ManualClock(start=datetime(2026, 11, 25, 12, tzinfo=UTC))
    sim = Simulator(clock=clock, sizes={"healthy": 300, "permit_starved": 200, "dirty_upload": 120})
    state = sim._state
    plans = [job for name in sim.scenario_names for job in state.library.built(name).jobs]
    for step in (0, 90, 600, 3600, 7 * 86_400):  # before, while and long after each job runs
        clock.advance(step)
        now = clock.now_ts()
        for _round in range(2):  # the second round reads the settled items from the cache
            for plan in plans:
                attempts = plan.attempts[: plan.existing_attempts(now)]
                for cursor in (None, "abc_-", 'q"\\é'):
                    assert calls_page_bytes(plan, attempts, now, cursor) == _dumps(
                        [call_json(plan, a, now) for a in attempts], cursor
                    )
                events, _ = plan.events_page(now, 0, len(plan.events) + 1)
                assert events_page_bytes(plan, events, None) == _dumps([event_json(plan, e) for e in events], None)
    assert calls_page_bytes(plans[0], [], clock.now_ts(), None) == b'{"items": [], "next_cursor": null}'


def test_text_is_escaped_as_json_does() -> None:
    clock = ManualClock(start=datetime(2026, 11, 25, 12, tzinfo=UTC))
    plan = (
        Simulator(clock=clock, scenarios=["dirty_upload"], sizes={"dirty_upload": 20})
        ._state.library.built("dirty_upload")
        .jobs[0]
    )
    odd = 'a "quoted"\\ cell\n\tü ☎ \x01'
    plan.recipients[0] = type(plan.recipients[0])(2, "r_odd", "Zoë", "O'Brien", odd, None)
    attempt = Attempt(0, 1, "key\u2028", 0.0, 1.0, 2.0, Failure("busy", None, odd, None))
    attempt.id = "call_odd"
    event = Event(1.0, "error", 0, odd)
    for t in (0.5, 1.5, 3.0):
        assert calls_page_bytes(plan, [attempt], t, None) == _dumps([call_json(plan, attempt, t)], None)
    assert event_text(plan, event) == json.dumps(event_json(plan, event), ensure_ascii=False)
