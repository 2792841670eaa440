"""The autosave's copy shares the frozen report and copies the rest (ui/case/autosave.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from triage_gui.domain.analysis import analyse
from triage_gui.domain.case import Case
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.ui.case.autosave import copy_for_save


@pytest.fixture(scope="module")
def loaded_case() -> Case:
    from triage_gui.providers.connection import Connection
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident
    from triage_gui.simulator import ManualClock, Simulator

    with (
        Simulator(scenarios=["transient_storm"], clock=ManualClock()) as sim,
        Connection(sim.base_url, sim.token).open_provider() as provider,
    ):
        info = sim.scenario("transient_storm")
        data = fetch_incident(provider, FetchRequest(info.workspace_id, info.job_id))
    now = datetime.now(UTC)
    return Case(created_at=now, updated_at=now, report=analyse(data, AnalysisSettings()), notes={"job_health": "n"})


def test_the_copy_shares_the_report_and_owns_the_rest(loaded_case):
    copy = copy_for_save(loaded_case)
    assert copy == loaded_case
    assert copy.report is loaded_case.report  # frozen and replaced whole: shared, not copied
    assert copy.notes is not loaded_case.notes and copy.snapshots is not loaded_case.snapshots
    copy.notes["job_health"] = "changed on the copy"
    assert loaded_case.notes["job_health"] == "n"  # the writer thread's copy is its own
