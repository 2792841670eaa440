"""The retry ledger: intents on disk before any request, and their outcomes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from triage_gui.store.retry_ledger import IntentState, LedgerError, RetryLedger

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def ledger(tmp_path) -> RetryLedger:
    return RetryLedger(tmp_path / "case", clock=Clock())


def intent(ledger: RetryLedger, key: str = "k1", ids=("r2", "r1"), **kw):
    return ledger.record_intent(key, workspace="ws", job="job_1", recipient_ids=list(ids), note="n", **kw)


def test_intent_is_on_disk_as_pending_when_record_returns(ledger):
    entry = intent(ledger, override_reason="agreed with the customer", overridden=["permanent_failure"], phase="sample")
    on_disk = json.loads(ledger.path.read_text(encoding="utf-8"))
    assert on_disk["schema_version"] == 1
    (saved,) = on_disk["entries"]
    assert saved["key"] == "k1" and saved["state"] == "pending"
    assert saved["recipient_ids"] == ["r1", "r2"] and saved["note"] == "n"
    assert saved["override_reason"] == "agreed with the customer"
    assert saved["overridden"] == ["permanent_failure"] and saved["phase"] == "sample"
    assert entry.created_at > T0 and saved["retry_job_id"] is None
    assert (ledger.path.stat().st_mode & 0o777) == 0o600
    # a fresh ledger object (the next process) sees the same pending intent
    assert [e.key for e in RetryLedger(ledger.case_dir).pending()] == ["k1"]


def test_the_same_key_keeps_its_first_body(ledger):
    intent(ledger)
    again = ledger.record_intent("k1", workspace="ws", job="job_1", recipient_ids=["r1", "r2"], note="other")
    assert again.note == "n" and len(ledger.entries()) == 1


def test_launched_and_failed(ledger):
    intent(ledger, "k1")
    intent(ledger, "k2", ids=["r3"])
    launched = ledger.record_launched("k1", "job_r1")
    assert launched.state is IntentState.LAUNCHED and launched.retry_job_id == "job_r1"
    failed = ledger.record_failed("k2", "refused: 422")
    assert failed.state is IntentState.FAILED and failed.result == "refused: 422"
    assert ledger.pending() == []
    assert ledger.by_retry_job("job_r1").key == "k1"
    with pytest.raises(LedgerError):
        ledger.record_failed("k1", "a launched retry never becomes failed")


def test_a_failed_intent_is_reopened_as_pending(ledger):
    intent(ledger, "k1")
    ledger.record_failed("k1", "refused: 403")
    reopened = ledger.record_intent("k1", workspace="ws", job="job_1", recipient_ids=["r1", "r2"], note="second try")
    assert reopened.state is IntentState.PENDING and reopened.note == "second try"


def test_ambiguous_results_stay_pending_and_sends_are_counted(ledger):
    intent(ledger)
    ledger.record_sending("k1")
    ledger.record_sending("k1")
    entry = ledger.record_unresolved("k1", "timed out")
    assert entry.state is IntentState.PENDING and entry.sends == 2 and entry.result == "timed out"
    ledger.record_launched("k1", "job_r1")
    assert ledger.record_unresolved("k1", "late").result != "late"  # a launched intent keeps its result


def test_retried_recipients_count_pending_and_launched_not_failed(ledger):
    intent(ledger, "k1", ids=["r1"])
    intent(ledger, "k2", ids=["r2"])
    intent(ledger, "k3", ids=["r3"])
    ledger.record_launched("k2", "job_r2")
    ledger.record_failed("k3", "refused")
    assert ledger.retried_recipients("ws", "job_1") == {"r1": "k1", "r2": "job_r2"}
    assert ledger.retried_recipients("ws", "job_other") == {}


def test_monitor_verdict_is_recorded(ledger):
    intent(ledger)
    ledger.record_monitor("k1", {"kind": "healthy"})
    assert ledger.get("k1").monitor == {"kind": "healthy"}


def test_unknown_key_is_an_error(ledger):
    with pytest.raises(KeyError):
        ledger.record_launched("nope", "job_r1")


def test_a_damaged_ledger_refuses_instead_of_forgetting(ledger):
    intent(ledger)
    ledger.path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(LedgerError, match="check it by hand"):
        ledger.pending()
    with pytest.raises(LedgerError):
        intent(ledger, "k2")
    assert ledger.path.read_text(encoding="utf-8") == "{ not json"  # left for a human


def test_a_newer_ledger_is_refused(ledger):
    ledger.case_dir.mkdir(parents=True)
    ledger.path.write_text(json.dumps({"schema_version": 99, "entries": []}), encoding="utf-8")
    with pytest.raises(LedgerError, match="newer version"):
        ledger.entries()


def test_concurrent_writers_lose_nothing(tmp_path):
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            own = RetryLedger(tmp_path / "case")  # as another window or process would
            for n in range(25):
                own.record_intent(f"{prefix}{n}", workspace="ws", job="j", recipient_ids=[f"r{n}"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(RetryLedger(tmp_path / "case").entries()) == 50
