"""What the server's answers say of themselves: its clock against ours, and repeated items."""

from __future__ import annotations

import pytest

from tests.domain.factories import incident
from triage_gui.domain.checks import job_health, server_answers
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.vocabulary import Verdict


def ids(data) -> dict[str, Verdict]:
    return {f.id: f.verdict for f in server_answers.findings(data)}


def test_a_clock_in_step_and_whole_lists_say_nothing():
    assert ids(incident(server_clock_skew_s=12.0)) == {}
    assert ids(incident()) == {}


@pytest.mark.parametrize(("skew", "words"), [(2 * 3600.0, "2 h ahead of"), (-900.0, "15 min behind")])
def test_a_smaller_skew_is_reported_and_the_servers_clock_is_kept(skew, words):
    (found,) = server_answers.findings(incident(server_clock_skew_s=skew))
    assert found.id == "server_clock_skew" and found.verdict is Verdict.PASS
    assert words in found.summary and "judged on the server's clock" in found.summary
    assert found.evidence == {"skew_s": round(skew), "rejected": False}


def test_an_absurd_clock_is_a_warning_under_the_jobs_health():
    data = incident(server_clock_skew_s=-1_165_270_835.0, server_clock_rejected=True)
    result = job_health.run(data, AnalysisSettings())
    found = next(f for f in result.findings if f.id == "server_clock_rejected")
    assert found.verdict is Verdict.WARN and "this workstation's clock" in found.summary


def test_repeated_items_are_a_contract_warning():
    found = server_answers.findings(incident(repeated_items={"calls": 3, "events": 1}))
    assert [(f.id, f.verdict) for f in found] == [("repeated_items", Verdict.WARN)]
    assert "3 calls, 1 events" in found[0].summary
