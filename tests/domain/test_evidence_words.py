"""Findings and evidence in plain words (issue #13): titles, labels, units, masked numbers."""

from __future__ import annotations

import pytest

from tests.domain import factories as f
from triage_gui.domain import analysis
from triage_gui.domain.evidence_words import (
    FINDING_TITLES,
    duration_text,
    finding_title,
    label,
    phone_columns,
    phone_keys,
    raw_text,
    recipient_query,
    value_text,
)
from triage_gui.domain.phone_display import mask_numbers_in_text, masked
from triage_gui.domain.retry_cohort import mask_number


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45, "45 s"), (750, "12 min 30 s"), (1200, "20 min"), (7260, "2 h 1 min"), (7200, "2 h"),
     (90_000, "1 d 1 h"), (2.5, "2.5 s"), (600.0, "10 min")],
)  # fmt: skip
def test_durations_read_with_units(seconds, text):
    assert duration_text(seconds) == text


def test_evidence_values_read_with_units():
    assert value_text("idle_s", 750) == "12 min 30 s"
    assert value_text("threshold_s", 600.0) == "10 min"
    assert value_text("share", 0.213) == "21.3%"
    assert value_text("threshold", 0.2) == "20%"
    assert value_text("work_left", 12_345) == "12,345"
    assert value_text("dispatch_rate_per_min", 0.07) == "0.07 per min"
    assert value_text("last_dispatch_at", "2026-11-25T11:40:00Z") == "2026-11-25 11:40:00 UTC"
    assert value_text("skew_s", -7200) == "2 h behind this computer"
    assert value_text("hold", False) == "no"
    assert value_text("finished_at", None) == "—"
    assert value_text("basis", "last_dispatch_at") == "Last dispatch"
    assert value_text("sample_ids", ["rcp_1", "rcp_2"]) == "rcp_1, rcp_2"
    assert value_text("job_ids", []) == "none"
    # failure codes stay as the platform writes them; known nested keys read as words
    assert value_text("by_code", {"invalid_number": 1, "busy": 2}) == "invalid_number: 1; busy: 2"
    assert (
        value_text("this_job", {"id": "job_1", "from": "2026-11-25T11:00:10Z"})
        == "Id: job_1; From: 2026-11-25T11:00:10Z"
    )


def test_labels_and_titles_fall_back_to_humanised_codes():
    assert label("idle_s") == "Idle for"
    assert label("work_left") == "Work left"
    assert label("brand_new_key") == "Brand new key"
    assert label("waited_s") == "Waited"  # a seconds suffix is a unit, not a word
    assert value_text("waited_s", 90) == "1 min 30 s"
    assert finding_title("transient_not_retried") == "Transient failures not retried"
    assert finding_title("something_new") == "Something new"
    assert raw_text({"a": [1, 2]}) == '{"a":[1,2]}'
    assert raw_text("idle_s") == "idle_s"


def test_every_finding_the_engine_makes_has_a_title(tmp_path):
    """A finding id added to a check without a title here fails this test (it would show humanised)."""
    calls = [f.failed(1, "busy"), f.failed(2, "invalid_number"), f.call(3)]
    data = f.incident(f.job(counters=f.counters_for(calls)), calls, upload=f.upload(3), contact_audit=f.audit(3))
    report = analysis.analyse(data)
    ids = {finding.id for check in report.checks for finding in check.findings}
    assert ids and ids <= set(FINDING_TITLES)


def test_phone_numbers_are_masked_the_cohorts_way():
    assert masked("+447911000001") == mask_number("+447911000001") == "+**********01"
    assert masked("n/a") == "n/a"
    assert masked(None) == "(no number)"
    assert value_text("e164", "+447911000001") == "+**********01"
    assert value_text("e164", "+447911000001", mask=False) == "+447911000001"
    assert value_text("compared", {"agent_id": "agt_1", "from_number": "+442071838750"}) == (
        "Agent: agt_1; From number: +**********50"
    )
    text = "The job's from_number (+442071838751) differs from its campaign's (+442071838750) on 2026-11-25."
    assert mask_numbers_in_text(text) == (
        "The job's from_number (+**********51) differs from its campaign's (+**********50) on 2026-11-25."
    )


def test_which_evidence_holds_numbers_and_whose_row_it_is():
    assert phone_keys("config_mismatch", {"field": "from_number", "job": "+4420", "campaign": "+4421"}) == {
        "job",
        "campaign",
    }
    assert phone_keys("config_mismatch", {"field": "agent_id", "job": "a", "campaign": "b"}) == frozenset()
    assert phone_columns("upload_duplicates", ["e164", "rows", "row numbers"]) == {0}
    assert phone_columns("upload_invalid_rows", ["row", "value", "reason"]) == {1}
    assert phone_columns("other", ["row", "value", "reason"]) == frozenset()
    assert recipient_query(["recipient_id", "attempts"], ["rcp_1", 2], frozenset()) == "rcp_1"
    assert recipient_query(["e164", "rows"], ["+447911000001", 2], frozenset({0})) == "+447911000001"
    assert recipient_query(["job_id"], ["job_2"], frozenset()) is None
