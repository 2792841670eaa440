"""A case's Load on its worker: aborted when cancelled or superseded (the request in flight too),
and judged only once the typed IDs agree with the job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from triage_gui.domain.case import CaseInputs, id_disagreements
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.models import BatchJob
from triage_gui.providers.connection import Connection
from triage_gui.simulator import Fault
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.case.load_task import LoadAborts
from triage_gui.ui.tasks.background import TaskContext


class FakeTransport:
    def __init__(self) -> None:
        self.aborted = 0

    def abort(self) -> None:
        self.aborted += 1


def test_an_abort_reaches_the_transport_armed_before_or_after_it():
    aborts = LoadAborts()
    early, late = TaskContext(), TaskContext()
    armed = FakeTransport()
    aborts.arm(early, armed)  # type: ignore[arg-type]
    aborts.abort(early)
    assert armed.aborted == 1 and early.cancelled
    aborts.abort(late)  # the worker has not made its transport yet
    arriving = FakeTransport()
    aborts.arm(late, arriving)  # type: ignore[arg-type]
    assert arriving.aborted == 1
    aborts.disarm(early)
    aborts.disarm(late)
    aborts.abort_all()  # nothing armed: nothing aborted twice
    assert (armed.aborted, arriving.aborted) == (1, 1)


def test_typed_ids_are_compared_with_the_job_unless_kept():
    job = BatchJob.model_validate(
        {
            "id": "job_1",
            "workspace_id": "ws",
            "campaign_id": "cmp_job",
            "upload_id": "upl_job",
            "status": "running",
            "created_at": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
            "counters": {"total": 1},
            "dispatch": {"concurrency_limit": 1},
        }
    )
    assert id_disagreements(CaseInputs(job_id="job_1"), job) == []  # nothing typed: the job's
    found = id_disagreements(CaseInputs(job_id="job_1", campaign_id="cmp_typed", upload_id="upl_job"), job)
    assert [(d.field, d.typed, d.job_says) for d in found] == [("campaign_id", "cmp_typed", "cmp_job")]
    kept = CaseInputs(job_id="job_1", campaign_id="cmp_typed", kept_ids=("campaign_id",))
    assert id_disagreements(kept, job) == []


@pytest.fixture
def controller(qtbot, simulator):
    ctl = CaseController(
        Connection(base_url=simulator.base_url, token=simulator.token), AnalysisSettings(), poll_interval_s=0.2
    )
    yield ctl
    ctl.stop()


def test_a_superseded_load_has_its_request_aborted(qtbot, controller, simulator):
    stalled, healthy = simulator.scenario("stalled"), simulator.scenario("healthy")
    simulator.faults.add(Fault(kind="latency", seconds=60, path=stalled.job_id + "/calls", method="GET", times=None))
    controller.load(CaseInputs(workspace_id=stalled.workspace_id, job_id=stalled.job_id))
    qtbot.waitUntil(lambda: bool(simulator.faults.fired), timeout=20_000)  # inside the slow request
    controller.load(CaseInputs(workspace_id=healthy.workspace_id, job_id=healthy.job_id))
    qtbot.waitUntil(lambda: controller.report is not None, timeout=20_000)
    assert controller.report.job_id == healthy.job_id
    # the stalled job's load did not sit out its 60 s request: only the poller is left
    qtbot.waitUntil(lambda: controller.runner.wait(0), timeout=5_000)


def test_a_cancelled_refresh_keeps_the_report_and_watches_again(qtbot, controller, simulator):
    info = simulator.scenario("stalled")
    controller.load(CaseInputs(workspace_id=info.workspace_id, job_id=info.job_id))
    qtbot.waitUntil(lambda: controller.report is not None, timeout=20_000)
    report = controller.report
    simulator.faults.add(Fault(kind="latency", seconds=60, path=info.job_id + "/calls", method="GET", times=None))
    controller.refresh()
    qtbot.waitUntil(lambda: bool(simulator.faults.fired), timeout=20_000)  # inside the slow request
    with qtbot.waitSignal(controller.load_cancelled, timeout=5_000):
        controller.cancel_load()
    assert not controller.loading and controller.report is report
    qtbot.waitUntil(lambda: controller.runner.wait(0), timeout=5_000)
    simulator.faults.clear()
    count = len(controller.case.snapshots)
    simulator.clock.advance(30)
    qtbot.waitUntil(lambda: len(controller.case.snapshots) > count, timeout=10_000)  # watched again
