"""The parts the checks share: why the upload cannot be seen, and one call history for all."""

from __future__ import annotations

from tests.domain.factories import call, campaign, incident, job
from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks import duplicates, job_health
from triage_gui.domain.checks._common import call_history, upload_unavailable
from triage_gui.domain.incident import AnalysisSettings

SETTINGS = AnalysisSettings()
BOTH_MISSING = {"upload": "HTTP 404 on the upload", "upload content": "HTTP 503 on its content"}


def _summary(result, finding_id: str) -> str:
    (found,) = [f for f in result.findings if f.id == finding_id]
    return found.summary


def test_each_check_names_the_fetch_error_of_the_part_it_needs_first() -> None:
    data = incident(job(), [call(1)], missing=BOTH_MISSING)
    # The duplicate check reads the rows; job health compares with the upload's row count.
    assert "HTTP 503 on its content" in _summary(duplicates.run(data, SETTINGS), "upload_not_audited")
    assert "HTTP 404 on the upload" in _summary(job_health.run(data, SETTINGS), "expected_unknown")


def test_a_job_without_an_upload_says_so_whatever_failed() -> None:
    data = incident(job(upload_id=None), [call(1)], campaign=campaign(upload_id=None), missing=BOTH_MISSING)
    assert upload_unavailable(data, "upload", otherwise="-") == "the job has no upload"


def test_the_campaigns_upload_counts_when_the_job_names_none() -> None:
    data = incident(job(upload_id=None), [call(1)], missing={"upload content": ""})
    assert upload_unavailable(data, "upload content", otherwise="not audited") == "not audited"


def test_a_history_built_once_is_used_as_given() -> None:
    data = incident(job(), [call(1), call(2)])
    built = CallHistory.build(data.calls, data.events)
    assert call_history(data, built) is built
    fresh = call_history(data, None)
    assert fresh is not built and len(fresh) == len(built) == 2
