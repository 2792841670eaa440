"""Each scenario produces the data it claims, checked over HTTP against its ground truth."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import httpx
import phonenumbers
import pytest

from tests.simulator.conftest import AllPages
from triage_gui.simulator import SCENARIOS, Simulator
from triage_gui.simulator.failure_codes import PERMANENT_CODES, TRANSIENT_CODES

WS = "/v1/workspaces/ws_demo"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def job(http: httpx.Client, job_id: str) -> dict:
    response = http.get(f"{WS}/batch-jobs/{job_id}")
    assert response.status_code == 200
    return response.json()


def assert_invariants(body: dict) -> None:
    c, d = body["counters"], body["dispatch"]
    assert c["total"] == c["queued"] + c["in_progress"] + c["retry_scheduled"] + c["succeeded"] + c["failed"]
    assert c["dispatched"] <= c["total"]
    assert c["dispatched"] >= c["in_progress"] + c["succeeded"] + c["failed"]
    assert 0 <= d["permits_in_use"] <= d["concurrency_limit"]
    assert d["waiting_for_permit"] >= 0


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_counters_match_truth_and_the_calls(
    http: httpx.Client, simulator: Simulator, name: str, all_pages: AllPages
) -> None:
    info = simulator.scenario(name)
    truth = info.truth
    body = job(http, info.job_id)
    assert_invariants(body)
    counters = body["counters"]
    assert counters == truth["counters"]
    assert counters["succeeded"] == len(truth["succeeded_ids"])
    assert counters["failed"] == len(truth["failed_ids"])
    assert counters["total"] - counters["succeeded"] - counters["failed"] == len(truth["in_flight_ids"])
    calls = all_pages(f"{WS}/batch-jobs/{info.job_id}/calls", limit=500)
    latest: dict[str, dict] = {}
    keys_seen: set[str] = set()
    for call in calls:  # a second record of a dispatch key is a duplicate delivery: skip it
        if call["dispatch_key"] in keys_seen:
            continue
        keys_seen.add(call["dispatch_key"])
        if call["recipient_id"] not in latest or call["attempt"] > latest[call["recipient_id"]]["attempt"]:
            latest[call["recipient_id"]] = call
    succeeded = {r for r, c in latest.items() if c["status"] == "succeeded"}
    assert succeeded == set(truth["succeeded_ids"])
    assert len({c["recipient_id"] for c in calls if c["dispatched_at"]}) == counters["dispatched"]
    for call in calls:
        if call["failure"]:
            code = call["failure"]["code"]
            assert code in TRANSIENT_CODES | PERMANENT_CODES
            assert call["status"] == "failed" and call["ended_at"]
    for rid in truth["transient_failed_ids"]:
        assert latest[rid]["failure"]["code"] in TRANSIENT_CODES or latest[rid]["status"] != "failed"
    for rid in truth["permanent_failed_ids"]:
        assert latest[rid]["failure"]["code"] in PERMANENT_CODES


def test_every_generated_number_is_valid_and_cells_are_varied(simulator: Simulator, http: httpx.Client) -> None:
    formats = set()
    for name in ("healthy", "transient_storm", "dirty_upload"):
        info = simulator.scenario(name)
        text = http.get(f"{WS}/uploads/{info.upload_id}/content").text
        rows = list(csv.DictReader(io.StringIO(text)))
        campaign = http.get(f"{WS}/campaigns/{info.campaign_id}").json()
        home = phonenumbers.region_code_for_number(phonenumbers.parse(campaign["from_number"]))
        home_count = 0
        bad = set(info.truth["invalid_upload_rows"])
        for index, row in enumerate(rows):
            if index + 2 in bad:
                continue
            number = phonenumbers.parse(row["phone_number"], home)
            assert phonenumbers.is_valid_number(number), row["phone_number"]
            home_count += phonenumbers.region_code_for_number(number) == home
            formats.add("".join("9" if ch.isdigit() else ch for ch in row["phone_number"])[:6])
        assert home_count / len(rows) > 0.85
    assert len(formats) >= 8


def test_healthy_progresses_as_the_clock_runs(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    info = simulator.scenario("healthy")
    before = job(http, info.job_id)
    assert before["dispatch"]["permits_in_use"] < before["dispatch"]["concurrency_limit"]
    assert before["dispatch"]["waiting_for_permit"] <= 3
    truth = info.truth
    assert truth["transient_failed_ids"] and truth["permanent_failed_ids"]
    assert truth["retried_permanent_ids"] == []
    assert truth["wrong_retryable_flag_attempt_ids"] or truth["missing_retryable_flag_attempt_ids"]
    simulator.clock.advance(600)
    after = job(http, info.job_id)
    assert_invariants(after)
    assert after["counters"]["dispatched"] > before["counters"]["dispatched"] + 100
    assert after["counters"]["succeeded"] > before["counters"]["succeeded"]
    assert ts(after["dispatch"]["last_dispatch_at"]) > ts(before["dispatch"]["last_dispatch_at"])
    calls = all_pages(f"{WS}/batch-jobs/{info.job_id}/calls", limit=500)
    retried = [c for c in calls if c["attempt"] > 1]
    assert retried and all(c["attempt"] <= 3 for c in calls)
    simulator.clock.advance(6 * 3600)
    done = job(http, info.job_id)
    assert done["status"] == "completed" and done["finished_at"]
    assert done["counters"]["succeeded"] + done["counters"]["failed"] == done["counters"]["total"]


def test_stalled_counters_never_move(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("stalled")
    before = job(http, info.job_id)
    start = simulator.clock.start.timestamp()
    assert before["status"] == "running"
    assert before["counters"]["queued"] > 0 and before["dispatch"]["permits_in_use"] == 0
    assert start - ts(before["dispatch"]["last_dispatch_at"]) >= 29 * 60
    simulator.clock.advance(2 * 3600)
    after = job(http, info.job_id)
    assert after["counters"] == before["counters"] and after["status"] == "running"
    assert after["dispatch"]["last_dispatch_at"] == before["dispatch"]["last_dispatch_at"]


def test_permit_starved_queue_grows_with_permits_all_held(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("permit_starved")
    before = job(http, info.job_id)
    d = before["dispatch"]
    assert d["permits_in_use"] == d["concurrency_limit"]
    assert simulator.clock.start.timestamp() - ts(d["last_dispatch_at"]) >= 20 * 60
    assert len(info.truth["held_attempt_ids"]) == d["concurrency_limit"]
    events = all_pages(f"{WS}/batch-jobs/{info.job_id}/events", limit=500)
    assert sum(e["type"] == "permit_denied" for e in events) >= 50
    simulator.clock.advance(600)
    after = job(http, info.job_id)["dispatch"]
    assert after["permits_in_use"] == d["permits_in_use"]
    assert after["waiting_for_permit"] > d["waiting_for_permit"]
    assert after["last_dispatch_at"] == d["last_dispatch_at"]


def test_transient_storm_is_retried_correctly(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    info = simulator.scenario("transient_storm")
    truth = info.truth
    counters = truth["counters"]
    finished = counters["succeeded"] + counters["failed"]
    calls = all_pages(f"{WS}/batch-jobs/{info.job_id}/calls", limit=500)
    latest: dict[str, dict] = {}
    for call in calls:
        latest[call["recipient_id"]] = max(latest.get(call["recipient_id"], call), call, key=lambda c: c["attempt"])
    storm = {"provider_timeout", "temporarily_unavailable"}
    failed_in_storm = [
        r
        for r in truth["succeeded_ids"] + truth["failed_ids"]
        if latest[r]["failure"] and latest[r]["failure"]["code"] in storm
    ]
    assert len(failed_in_storm) >= 0.4 * finished
    assert max(c["attempt"] for c in calls) == 3  # never past max_attempts
    assert len(truth["exhausted_ids"]) >= 50
    sips = {c["failure"]["sip_status"] for c in calls if c["failure"]}
    assert {503, 408} <= sips


def test_retry_loop_retries_permanent_failures_past_max(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("retry_loop")
    body = job(http, info.job_id)
    assert body["retry_policy"]["max_attempts"] == 3
    simulator.clock.advance(1800)
    calls = all_pages(f"{WS}/batch-jobs/{info.job_id}/calls", limit=500)
    looping = Counter(
        c["recipient_id"]
        for c in calls
        if c["failure"] and c["failure"]["code"] in ("invalid_number", "number_not_in_service")
    )
    assert max(looping.values()) > 3 and max(looping.values()) <= 6
    assert len(info.truth["retried_permanent_ids"]) >= 20
    assert any(c["status"] == "succeeded" for c in calls)


def test_duplicate_run_two_overlapping_jobs(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    info = simulator.scenario("duplicate_run")
    first, second = job(http, info.job_id), job(http, info.related_job_ids[0])
    assert first["status"] == second["status"] == "running"
    assert first["trigger"] in ("manual", "schedule") and second["trigger"] in (
        "manual",
        "schedule",
    )
    assert (first["campaign_id"], first["upload_id"]) == (
        second["campaign_id"],
        second["upload_id"],
    )
    gap = ts(second["created_at"]) - ts(first["created_at"])
    assert 60 <= gap <= 30 * 60
    dialled = [
        {c["recipient_id"] for c in all_pages(f"{WS}/batch-jobs/{j}/calls", limit=500) if c["dispatched_at"]}
        for j in (info.job_id, info.related_job_ids[0])
    ]
    assert len(dialled[0] & dialled[1]) >= 100


def test_duplicate_delivery_keys_dispatched_twice(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("duplicate_delivery")
    calls = all_pages(f"{WS}/batch-jobs/{info.job_id}/calls", limit=500)
    twice = Counter(c["dispatch_key"] for c in calls if c["dispatched_at"])
    assert sorted(k for k, n in twice.items() if n > 1) == info.truth["duplicate_dispatch_keys"]
    assert len(info.truth["duplicate_dispatch_keys"]) >= 5
    events = all_pages(f"{WS}/batch-jobs/{info.job_id}/events", limit=500)
    dropped = [e for e in events if e["type"] == "dedupe_dropped"]
    assert len(dropped) == len(info.truth["dedupe_dropped_keys"]) >= 5


def test_dirty_upload_duplicates_and_malformed_rows(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("dirty_upload")
    rows = list(csv.DictReader(io.StringIO(http.get(f"{WS}/uploads/{info.upload_id}/content").text)))
    seen: dict[str, int] = {}
    repeats = []
    for index, row in enumerate(rows):
        try:
            number = phonenumbers.parse(row["phone_number"], "DE")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in seen:
            repeats.append(index + 2)
        seen.setdefault(e164, index + 2)
    assert repeats == info.truth["duplicate_upload_rows"] and len(repeats) >= 10
    assert len(info.truth["invalid_upload_rows"]) >= 5
    assert {r["phone_number"] for i, r in enumerate(rows) if i + 2 in info.truth["invalid_upload_rows"]} & {
        "",
        "1.2E+10",
        "N/A",
        "12345",
        "tbd",
        "call after 5pm",
        "555-01",
        "4.47701E+11",
        "+1 (212) 55",
    }
    assert job(http, info.job_id)["status"] == "completed"


def test_fewer_calls_total_far_below_rows(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("fewer_calls")
    body = job(http, info.job_id)
    rows = http.get(f"{WS}/uploads/{info.upload_id}").json()["row_count"]
    assert body["status"] == "completed" and body["counters"]["total"] < 0.75 * rows
    assert len(info.truth["dropped_recipient_ids"]) == rows - body["counters"]["total"]


def test_completed_has_exhausted_transient_failures(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("completed")
    body = job(http, info.job_id)
    assert body["status"] == "completed" and body["finished_at"]
    assert body["counters"]["succeeded"] + body["counters"]["failed"] == body["counters"]["total"]
    assert info.truth["exhausted_ids"]
    events = all_pages(f"{WS}/batch-jobs/{info.job_id}/events", limit=500)
    assert events[-1]["type"] == "job_completed"


def test_config_mismatch_from_number(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("config_mismatch")
    body = job(http, info.job_id)
    campaign = http.get(f"{WS}/campaigns/{info.campaign_id}").json()
    assert body["from_number"] != campaign["from_number"]
    assert info.truth["mismatch"] == {"from_number": (body["from_number"], campaign["from_number"])}


def test_retry_stalled_child_of_completed_parent(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    info = simulator.scenario("retry_stalled")
    parent = job(http, info.job_id)
    child = job(http, info.truth["retry_child_id"])
    assert info.related_job_ids == (info.truth["retry_child_id"],)
    assert parent["status"] == "completed" and child["status"] == "running"
    assert child["trigger"] == "retry" and child["parent_job_id"] == info.job_id
    assert child["campaign_id"] == parent["campaign_id"] and child["upload_id"] == parent["upload_id"]
    assert child["counters"]["total"] == len(info.truth["retry_child_recipient_ids"])
    assert child["dispatch"]["permits_in_use"] == 0
    start = simulator.clock.start.timestamp()
    assert start - ts(child["dispatch"]["last_dispatch_at"]) >= 29 * 60
    calls = all_pages(f"{WS}/batch-jobs/{child['id']}/calls", limit=500)
    assert min(c["attempt"] for c in calls) == 1
    simulator.clock.advance(3600)
    assert job(http, child["id"])["counters"] == child["counters"]


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = Simulator(scenarios=["completed"], seed=3).scenario("completed").truth
    b = Simulator(scenarios=["completed"], seed=3).scenario("completed").truth
    c = Simulator(scenarios=["completed"], seed=4).scenario("completed").truth
    assert a == b and a != c


def test_size_override_and_bad_arguments() -> None:
    sim = Simulator(scenarios=["healthy"], sizes={"healthy": 50})
    assert len(sim.scenario("healthy").truth["recipient_ids"]) == 50
    with pytest.raises(ValueError):
        Simulator(scenarios=["nope"])
    with pytest.raises(ValueError):
        Simulator(sizes={"healthy": 1_000_001})
    with pytest.raises(KeyError):
        sim.scenario("stalled")


def test_a_pickers_list_builds_nothing_and_names_the_ids_that_open_each_scenario():
    from triage_gui.simulator import ManualClock, Simulator

    sim = Simulator(clock=ManualClock())
    entries = sim.scenario_entries()
    assert [e.name for e in entries] == sim.scenario_names
    assert not sim._library._built  # nothing generated yet
    stalled = next(e for e in entries if e.name == "stalled")
    info = sim.scenario("stalled")  # builds it, with its ground truth
    assert (stalled.workspace_id, stalled.job_id, stalled.campaign_id, stalled.upload_id, stalled.title) == (
        info.workspace_id,
        info.job_id,
        info.campaign_id,
        info.upload_id,
        info.title,
    )
    assert list(sim._library._built) == ["stalled"]
