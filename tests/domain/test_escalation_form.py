"""The escalation form: pre-filled from the case and report, blocked until complete, rendered three ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.domain.factories import NOW, call, counters_for, failed, incident, job
from triage_gui.domain import runbook
from triage_gui.domain.analysis import analyse
from triage_gui.domain.case import Case, CaseInputs, VerdictOverride
from triage_gui.domain.escalation_form import VERDICT_MARKS, FormEdits, build_form, format_time
from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.domain.vocabulary import CheckId, Symptom, Verdict


def _report(**job_overrides):
    calls = [call(i) for i in range(1, 8)] + [failed(i, "invalid_number") for i in range(8, 11)]
    the_job = job(counters=counters_for(calls), **job_overrides)
    return analyse(incident(the_job, calls))


def _case(report=None, **inputs) -> Case:
    fields = dict(
        workspace_id="ws_1",
        campaign_id="cmp_1",
        job_id="job_1",
        upload_id="upl_1",
        window_start=datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
        window_end=datetime(2026, 7, 1, 10, 30, tzinfo=UTC),
        timezone="Europe/Berlin",
        symptoms=[Symptom.REPEATED_FAILURES],
    )
    fields.update(inputs)
    return Case(created_at=NOW, updated_at=NOW, title="Renewals stuck", inputs=CaseInputs(**fields), report=report)


def test_every_required_diagnostic_is_a_field_prefilled_from_case_and_report() -> None:
    report = _report()
    form = build_form(_case(report), report)
    keys = [f.key for f in form.fields]
    assert keys == [
        "workspace_id",
        "campaign_id",
        "job_id",
        "upload_id",
        "time_window",
        "symptom_summary",
        "screenshot",
        "counts",
    ]
    assert len(runbook.REQUIRED_DIAGNOSTICS) == 7  # the symptom line is two fields (summary, screenshot)
    assert form.field("job_id").value == "job_1"
    assert form.field("counts").value.startswith("about 3 failed vs 7 succeeded (10 contacts")
    summary = form.field("symptom_summary").value
    assert "Repeated call failures for a large contact segment" in summary and "10 of 10 contacts processed" in summary
    # Only the screenshot is missing, so the form is not ready to send.
    assert [f.key for f in form.missing_fields()] == ["screenshot"]
    assert not form.ready_to_send
    assert form.level == report.escalation.level and form.level_title == runbook.level(form.level).title
    assert [v.title for v in form.verdicts] == [c.title for c in report.checks]
    assert form.customer_message == report.outcome.customer_message and form.next_action


def test_missing_fields_block_until_filled_or_waived_with_a_reason() -> None:
    form = build_form(_case(None, campaign_id="", upload_id="", window_start=None, window_end=None), None)
    assert {f.key for f in form.missing_fields()} == {"campaign_id", "upload_id", "time_window", "counts", "screenshot"}
    with pytest.raises(ValueError, match="at least 3"):
        form.waive("screenshot", " no ")
    form.waive("screenshot", "customer's screen is locked down")
    form.set_value("campaign_id", "cmp_9")
    form.set_value("time_window", "since 09:00 CET yesterday")
    form.waive("upload_id", "job has no upload")
    assert [f.key for f in form.missing_fields()] == ["counts"]
    form.waive("counts", "no access to the job")
    assert form.ready_to_send
    text = form.to_text()
    assert "Screenshot: waived: customer's screen is locked down" in text
    assert "Ready to send: yes" in text
    with pytest.raises(KeyError):
        form.waive("nope", "some reason")


def test_upload_id_is_not_applicable_when_the_engine_saw_no_upload() -> None:
    report = _report(upload_id=None)
    report = report.model_copy(update={"upload_id": None})
    form = build_form(_case(report, upload_id=""), report, screenshots=["shot.png"])
    upload = form.field("upload_id")
    assert not upload.required and not upload.missing
    assert "Upload ID (if applicable): not applicable" in form.to_text()
    assert form.ready_to_send


def test_times_are_rendered_in_the_case_timezone_with_its_name() -> None:
    form = build_form(_case(None), None)
    window = form.field("time_window").value
    assert window == "2026-07-01 10:00 CEST to 2026-07-01 12:30 CEST, timezone Europe/Berlin"
    assert (
        format_time(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "America/New_York")
        == "2026-01-15 07:00 EST (America/New_York)"
    )
    assert format_time(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "UTC") == "2026-01-15 12:00 UTC"


def test_time_window_falls_back_to_the_job_as_observed() -> None:
    report = _report()
    case = _case(report, window_start=None, window_end=None, timezone="Europe/London")
    the_job = job(started_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    case.snapshots.append(JobSnapshot(at=datetime(2026, 11, 25, 11, 45, tzinfo=UTC), job=the_job))
    item = build_form(case, report).field("time_window")
    assert item.value == "2026-11-25 09:00 GMT to 2026-11-25 11:45 GMT, timezone Europe/London"
    assert "latest observation" in item.source


def test_overridden_verdicts_say_so_in_words_in_every_format() -> None:
    report = _report()
    case = _case(report)
    engine = report.check(CheckId.RETRY_STRATEGY).verdict
    assert engine is not Verdict.PASS  # three invalid numbers: the override changes something
    case.overrides[CheckId.RETRY_STRATEGY] = VerdictOverride(
        verdict=Verdict.PASS, reason="agreed with customer", at=NOW
    )
    form = build_form(case, report, screenshots=["a.png"])
    line = next(v for v in form.verdicts if v.number == 4)
    assert line.verdict is Verdict.PASS and line.engine_verdict is engine
    expected = f"✓ PASS (overridden; engine said {VERDICT_MARKS[engine]}: agreed with customer)"
    for rendered in (form.to_text(), form.to_markdown(), form.to_html()):
        assert expected in rendered
    assert "<td class='verdict pass'><strong>✓ PASS" in form.to_html()


def test_html_is_escaped_and_self_contained_and_markdown_tables_survive_pipes() -> None:
    case = _case(None)
    case.notes["job_health"] = "<script>alert(1)</script> a | b"
    case.title = "Tom & Jerry <b>"
    form = build_form(case, None, screenshots=["shot one.png"])
    page = form.to_html(image_src={"shot one.png": "screenshots/01-shot-one.png"})
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Tom &amp; Jerry &lt;b&gt;" in page
    assert "<style>" in page and "<link" not in page and "http" not in page
    assert "<img src='screenshots/01-shot-one.png'" in page
    md = form.to_markdown()
    assert "a \\| b" in md and "\\<script\\>" in md
    assert "Confirm job health and stage" in md  # the note is labelled with its check's title


def test_agent_edits_survive_a_rebuild_from_a_newer_report() -> None:
    report = _report()
    form = build_form(_case(report), report)
    form.set_customer_message("We are on it; next update at 14:00.")
    form.set_value("symptom_summary", "Customer says half the list was never called.")
    form.waive("screenshot", "sent separately by email")
    edits = FormEdits.model_validate_json(form.edits().model_dump_json())
    assert edits.values == {"symptom_summary": "Customer says half the list was never called."}
    rebuilt = build_form(_case(report), _report(), edits=edits)
    assert rebuilt.customer_message == "We are on it; next update at 14:00."
    assert rebuilt.field("symptom_summary").value.startswith("Customer says")
    assert rebuilt.ready_to_send


def test_already_tried_lists_retries_and_the_proposed_cohort() -> None:
    report = _report()
    at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    entry = RetryIntent(
        key="triage-abc",
        workspace="ws",
        job="job_1",
        recipient_ids=[f"r{i}" for i in range(10)],
        phase="sample",
        state=IntentState.LAUNCHED,
        retry_job_id="job_r1",
        created_at=at,
        updated_at=at,
        monitor={"kind": "failing_transiently"},
        override_reason="customer fixed the numbers",
    )
    form = build_form(_case(report), report, retries=[entry, "Paused and resumed the job at 10:05"])
    assert form.already_tried == [
        "Sample retry of 10 recipient(s), 2026-07-01 11:00 CEST (Europe/Berlin), key triage-abc: "
        "launched as job job_r1; first dispatches: failing transiently; "
        "launched over a warning because: customer fixed the numbers.",
        "Paused and resumed the job at 10:05",
    ]
    # the case's own retries are used when none are passed in
    recorded = _case(report).model_copy(update={"retries": [entry]})
    assert build_form(recorded, report).already_tried[0].startswith("Sample retry of 10 recipient(s)")
    plan = report.retry_plan
    assert form.proposed_retry.startswith(f"{len(plan.recipient_ids):,} recipient(s)")
    assert "excluded: permanent_failure 3" in form.proposed_retry
    empty = build_form(_case(None), None)
    assert "Nothing recorded yet." in empty.to_text()
