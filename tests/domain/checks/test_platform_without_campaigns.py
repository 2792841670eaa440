"""Checks 1 and 3 on a platform without campaigns or uploads (ElevenLabs: a batch carries its own
agent, caller number and recipient list; issue #15). What the platform does not have is said
plainly and does not lower a verdict; the job's own recipient list is what was submitted (the
expected contacts) and is audited for repeated and invalid numbers as an upload would be."""

from __future__ import annotations

from typing import Any

from tests.domain.factories import ago, audit, call, incident, job, upload
from triage_gui.domain.checks import duplicates, job_health
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData, SubmittedRecipients
from triage_gui.domain.vocabulary import Verdict

SETTINGS = AnalysisSettings()
SOURCE = "the batch's own recipient list (50 in GET /v1/convai/batch-calling/btcal_1)"


def only(result: CheckResult, finding_id: str) -> Finding:
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, [(f.id, f.summary) for f in result.findings]
    return found[0]


def ids(result: CheckResult) -> set[str]:
    return {f.id for f in result.findings}


def batch(the_job: Any = None, *, count: int = 50, declared: int | None = 50, **overrides: Any) -> IncidentData:
    """An incident as the ElevenLabs provider maps one: no campaign, no upload, the job's own list."""
    fields: dict[str, Any] = dict(
        campaign=None,
        platform_has_campaigns=False,
        submitted_recipients=SubmittedRecipients(count=count, source=SOURCE, declared=declared),
    )
    fields.update(overrides)
    return incident(the_job or job(campaign_id="agt_1", upload_id=None), [call(1)], **fields)


def done(total: int, **counters: int) -> Any:
    return job(
        campaign_id="agt_1",
        upload_id=None,
        status="completed",
        finished_at=ago(60),
        counters={"total": total, "dispatched": total, "succeeded": total, **counters},
    )


def test_no_campaign_on_the_platform_is_said_plainly_and_is_no_unknown() -> None:
    result = job_health.run(batch(), SETTINGS)
    finding = only(result, "config_no_campaign")
    assert finding.verdict is Verdict.PASS
    assert finding.summary.startswith("Nothing to compare: jobs on this platform belong to no campaign")
    assert finding.evidence == {"agent_id": "agt_1", "from_number": job().from_number}
    assert "config_unknown" not in ids(result)


def test_a_campaign_that_could_not_be_fetched_stays_unknown() -> None:
    # the flag is the platform's, not a way around a failed fetch
    data = incident(job(), [call(1)], campaign=None, missing={"campaign": "404 not found"})
    assert only(job_health.run(data, SETTINGS), "config_unknown").verdict is Verdict.UNKNOWN


def test_expected_contacts_are_the_jobs_own_list_and_say_where_they_come_from() -> None:
    finding = only(job_health.run(batch(done(50)), SETTINGS), "expected_matches")
    assert finding.verdict is Verdict.PASS
    assert finding.summary == "Processed 50 of 50 submitted recipients."
    assert finding.evidence["expected"] == 50
    assert finding.evidence["expected_from"] == SOURCE
    assert finding.evidence["declared_by_platform"] == 50
    assert "expected_unknown" not in ids(job_health.run(batch(done(50)), SETTINGS))


def test_a_finished_job_with_unprocessed_submitted_recipients_fails() -> None:
    finding = only(job_health.run(batch(done(50, succeeded=40, queued=10)), SETTINGS), "short_of_expected")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["short_processed"] == 10
    assert "against 50 submitted recipients" in finding.summary


def test_the_platforms_own_count_is_shown_never_judged() -> None:
    finding = only(job_health.run(batch(done(50), declared=60), SETTINGS), "expected_matches")
    assert finding.verdict is Verdict.PASS
    assert "the platform's own count says 60 (its meaning is not documented)" in finding.summary
    assert finding.evidence["declared_by_platform"] == 60


def test_recipients_the_audit_explains_are_named_as_recipients() -> None:
    dirty = audit(50, invalid=[(3, "+1212488", "too short")], duplicates=[("+14155550123", [7, 9])], source="b")
    finding = only(job_health.run(batch(done(48), contact_audit=dirty), SETTINGS), "expected_matches")
    assert "(2 recipients are invalid or repeat a number: see the duplicates check)" in finding.summary


def test_an_upload_still_wins_over_the_jobs_own_list() -> None:
    data = batch(done(50), upload=upload(1000))
    finding = only(job_health.run(data, SETTINGS), "short_of_expected")
    assert finding.evidence["expected"] == 1000 and "expected_from" not in finding.evidence


def test_a_retry_job_is_its_cohort_not_the_original_list() -> None:
    retry = job(campaign_id="agt_1", upload_id=None, parent_job_id="btcal_0", trigger="retry")
    finding = only(job_health.run(batch(retry), SETTINGS), "expected_contacts")
    assert finding.summary.endswith("are the retry cohort, not the original job's list.")


def test_the_jobs_own_list_is_audited_for_repeated_numbers_by_position() -> None:
    repeated = audit(50, duplicates=[("+14155550123", [7, 9])], source="batch:btcal_1 recipients")
    finding = only(duplicates.run(batch(contact_audit=repeated), SETTINGS), "upload_duplicates")
    assert finding.verdict is Verdict.WARN
    assert finding.summary == (
        "The job's recipient list repeats numbers: 1 extra recipient in 1 group (after E.164 normalisation)."
    )
    assert finding.table is not None and finding.table.columns == ["e164", "recipients", "positions"]
    assert finding.evidence["source"] == "batch:btcal_1 recipients"


def test_the_jobs_own_list_is_audited_for_invalid_numbers_by_position() -> None:
    bad = audit(50, invalid=[(12, "+1212488", "too short")], source="batch:btcal_1 recipients")
    finding = only(duplicates.run(batch(contact_audit=bad), SETTINGS), "upload_invalid_rows")
    assert finding.summary == "The job's recipient list has 1 malformed or invalid number (positions in the list)."
    assert finding.table is not None and finding.table.columns == ["position", "value", "reason"]
    assert finding.table.rows == [[12, "+1212488", "too short"]]


def test_a_clean_list_passes_and_an_unaudited_one_says_why() -> None:
    clean = only(duplicates.run(batch(contact_audit=audit(50)), SETTINGS), "upload_clean")
    assert (clean.verdict, clean.summary) == (Verdict.PASS, "The job's 50 recipients hold valid, distinct numbers.")
    skipped = only(duplicates.run(batch(), SETTINGS), "upload_not_audited")
    assert skipped.verdict is Verdict.UNKNOWN
    assert "the job's recipients were not audited" in skipped.summary and "no upload" not in skipped.summary
    whatsapp = audit(0, error="3 of its 3 recipients are WhatsApp users, not phone numbers")
    unreadable = only(duplicates.run(batch(contact_audit=whatsapp), SETTINGS), "upload_not_audited")
    assert unreadable.summary == (
        "Could not check the job's recipient list for duplicate recipients: it could not be read: "
        "3 of its 3 recipients are WhatsApp users, not phone numbers."
    )


def test_duplicate_runs_are_named_by_the_agent_where_there_are_no_campaigns() -> None:
    other = job(id="job_2", campaign_id="agt_1", upload_id=None, created_at=ago(3000), started_at=ago(2990))
    finding = only(duplicates.run(batch(related_jobs=[other]), SETTINGS), "duplicate_job_run")
    assert finding.summary.startswith("1 other job of agent agt_1 ran at the same time: job_2")
    alone = only(duplicates.run(batch(), SETTINGS), "no_duplicate_job_run")
    assert alone.summary.startswith("No other job of agent agt_1 overlaps this one")
