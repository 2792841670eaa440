"""One builder per scenario: the campaign, its upload and its job(s), telling one runbook story.

Times are relative to the clock's start ``S`` (``ctx.start``): a running job started 45
minutes before it; a finished job started early enough (from its size and pace) to have
finished well before it. Each builder draws from its own seeded random streams, so the same
seed and size always give the same data.
"""

from __future__ import annotations

from typing import Any

from triage_gui.api.simulator.clock import iso
from triage_gui.api.simulator.outcomes import STANDARD_RETRYABLE, OutcomeMix, scripts_for
from triage_gui.api.simulator.plan import JobMeta, JobPlan
from triage_gui.api.simulator.population import NumberFactory, UploadData, UploadRow, build_upload
from triage_gui.api.simulator.progression import DispatchSpec, build_plan
from triage_gui.api.simulator.scenario_model import BuildContext, BuiltScenario, CampaignData

MINUTE = 60.0
HOUR = 3600.0


def _campaign(
    ctx: BuildContext,
    *,
    title: str,
    agent: str,
    home: str,
    filename: str,
    rows: int | None = None,
    duplicate_share: float = 0.0,
    malformed_share: float = 0.0,
    age: float = 3 * HOUR,
) -> tuple[CampaignData, UploadData]:
    rng = ctx.rng("upload")
    upload = build_upload(
        rng,
        upload_id=ctx.upload_id,
        filename=filename,
        created_at=ctx.start - age - 20 * MINUTE,
        rows=rows if rows is not None else ctx.size,
        home=home,
        duplicate_share=duplicate_share,
        malformed_share=malformed_share,
    )
    from_number = NumberFactory(ctx.rng("from-number"), home).e164(home)
    campaign = CampaignData(ctx.campaign_id, title, agent, from_number, upload.id, ctx.start - age)
    return campaign, upload


def _job(
    ctx: BuildContext,
    campaign: CampaignData,
    upload: UploadData,
    *,
    started: float,
    mix: OutcomeMix,
    dispatch: DispatchSpec,
    concurrency: int,
    job_id: str | None = None,
    trigger: str = "schedule",
    recipients: list[UploadRow] | None = None,
    from_number: str | None = None,
    parent_job_id: str | None = None,
) -> JobPlan:
    job_id = job_id or ctx.job_id
    cohort = upload.rows if recipients is None else recipients
    meta = JobMeta(
        id=job_id,
        workspace_id=ctx.workspace_id,
        campaign_id=campaign.id,
        upload_id=upload.id,
        agent_id=campaign.agent_id,
        from_number=from_number or campaign.from_number,
        trigger=trigger,
        created_at=started - 2 * MINUTE,
        started_at=started,
        concurrency_limit=concurrency,
        max_attempts=mix.max_attempts,
        retryable_codes=mix.retryable_codes,
        parent_job_id=parent_job_id,
    )
    scripts = scripts_for(ctx.rng(f"scripts:{job_id}"), cohort, mix)
    return build_plan(meta, cohort, scripts, dispatch, ctx.rng(f"dispatch:{job_id}"))


def _finished_start(ctx: BuildContext, size: int, pace: float) -> float:
    """A start time early enough for ``size`` recipients at ``pace`` (and retries) to finish."""
    return ctx.start - (size * pace * 1.2 + 2 * HOUR)


def healthy(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Flu shot reminders — November",
        home="US",
        agent="agt_reminders_v3",
        filename="flu_reminders_nov.csv",
    )
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=3.0),
        concurrency=50,
    )
    return BuiltScenario(campaign, upload, [job])


def stalled(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Appointment confirmations — Brooklyn clinic",
        home="US",
        agent="agt_confirmations_v2",
        filename="brooklyn_appointments_week48.csv",
    )
    stall_at = ctx.start - 30 * MINUTE
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=3.5, stall_at=stall_at),
        concurrency=30,
    )
    return BuiltScenario(campaign, upload, [job], {"stalled_since": iso(stall_at)})


def permit_starved(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Past-due balance outreach",
        home="US",
        agent="agt_collections_soft_v1",
        filename="past_due_2026-11-25.csv",
    )
    hold_at = ctx.start - 24 * MINUTE
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=0.0, hold_at=hold_at, feeder_interval=8.0),
        concurrency=10,
    )
    held = [a.id for a in job.attempts if a.dispatched_at < hold_at and a.ended_at == float("inf")]
    return BuiltScenario(
        campaign, upload, [job], {"held_attempt_ids": held, "permits_held_since": iso(hold_at)}
    )


def transient_storm(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Delivery slot confirmations (UK)",
        home="GB",
        agent="agt_delivery_uk_v4",
        filename="delivery_slots_uk.csv",
    )
    mix = OutcomeMix(
        transient=0.88,
        permanent=0.01,
        retry_delay=(120.0, 300.0),
        transient_codes=(("provider_timeout", 3.0), ("temporarily_unavailable", 2.0)),
    )
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=mix,
        dispatch=DispatchSpec(pace=2.5),
        concurrency=40,
    )
    return BuiltScenario(campaign, upload, [job])


def retry_loop(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Prescription ready notifications",
        home="US",
        agent="agt_pharmacy_v2",
        filename="rx_ready_batch_17.csv",
    )
    mix = OutcomeMix(
        permanent=0.12,
        retry_delay=(150.0, 300.0),
        retry_permanent_until=(4, 6),
        permanent_codes=(("invalid_number", 3.0), ("number_not_in_service", 2.0)),
        # The misconfiguration behind the loop: permanent codes listed as retryable.
        retryable_codes=(*STANDARD_RETRYABLE, "invalid_number", "number_not_in_service"),
    )
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=mix,
        dispatch=DispatchSpec(pace=3.0),
        concurrency=30,
    )
    return BuiltScenario(campaign, upload, [job])


def duplicate_run(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Open enrolment reminders",
        home="US",
        agent="agt_enrolment_v1",
        filename="open_enrolment_wave2.csv",
    )
    first = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 49 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=6.0),
        concurrency=20,
        trigger="schedule",
    )
    second = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 43 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=6.0),
        concurrency=20,
        trigger="manual",
        job_id=f"{ctx.job_id}_b",
    )
    return BuiltScenario(
        campaign, upload, [first, second], {"duplicate_job_ids": [first.meta.id, second.meta.id]}
    )


def duplicate_delivery(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Service outage callbacks",
        home="US",
        agent="agt_outage_callback_v2",
        filename="outage_callbacks.csv",
    )
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=3.0, duplicate_share=0.02, dedupe_share=0.03),
        concurrency=60,
    )
    return BuiltScenario(campaign, upload, [job])


def dirty_upload(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Termin-Erinnerungen Praxis Berlin",
        home="DE",
        agent="agt_termine_de_v1",
        filename="termine_export_final2.csv",
        duplicate_share=0.06,
        malformed_share=0.04,
    )
    pace = 3.0
    job = _job(
        ctx,
        campaign,
        upload,
        started=_finished_start(ctx, ctx.size, pace),
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=pace),
        concurrency=30,
    )
    return BuiltScenario(campaign, upload, [job])


def fewer_calls(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Annual check-up invitations",
        home="US",
        agent="agt_checkup_v5",
        filename="checkup_invites_q4.csv",
    )
    rng = ctx.rng("dropped")
    kept = [row for row in upload.rows if rng.random() < 0.62]
    pace = 3.0
    job = _job(
        ctx,
        campaign,
        upload,
        started=_finished_start(ctx, len(kept), pace),
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=pace),
        concurrency=30,
        recipients=kept,
    )
    return BuiltScenario(campaign, upload, [job])


def completed(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="School closure notice",
        home="US",
        agent="agt_notices_v2",
        filename="closure_notice_parents.csv",
    )
    pace = 3.0
    job = _job(
        ctx,
        campaign,
        upload,
        started=_finished_start(ctx, ctx.size, pace),
        mix=OutcomeMix(exhaust=0.01),
        dispatch=DispatchSpec(pace=pace),
        concurrency=40,
    )
    return BuiltScenario(campaign, upload, [job])


def config_mismatch(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Insurance renewal reminders",
        home="US",
        agent="agt_renewals_v3",
        filename="renewals_december.csv",
    )
    # The job kept the number the campaign used before it was changed.
    old_number = NumberFactory(ctx.rng("old-from-number"), "US").e164("US")
    job = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 45 * MINUTE,
        mix=OutcomeMix(),
        dispatch=DispatchSpec(pace=4.0),
        concurrency=40,
        from_number=old_number,
    )
    mismatch: dict[str, Any] = {"from_number": (old_number, campaign.from_number)}
    return BuiltScenario(campaign, upload, [job], {"mismatch": mismatch})


def retry_stalled(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(
        ctx,
        title="Vaccination follow-ups",
        home="US",
        agent="agt_followups_v1",
        filename="vax_followups_nov.csv",
        age=20 * HOUR,
    )
    pace = 3.0
    parent = _job(
        ctx,
        campaign,
        upload,
        started=_finished_start(ctx, ctx.size, pace),
        mix=OutcomeMix(transient=0.06, exhaust=0.08),
        dispatch=DispatchSpec(pace=pace),
        concurrency=40,
    )
    assert parent.finished_at is not None and parent.finished_at < ctx.start - 40 * MINUTE
    cohort = [
        parent.recipients[r]
        for r in range(len(parent.recipients))
        if (last := parent.latest_ended(r, ctx.start)) is not None
        and last.failure is not None
        and last.failure.transient
    ]
    child_id = f"{ctx.job_id}_r1"
    child = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 39 * MINUTE,
        mix=OutcomeMix(transient=0.03, permanent=0.01),
        dispatch=DispatchSpec(pace=20.0, stall_at=ctx.start - 30 * MINUTE),
        concurrency=20,
        job_id=child_id,
        trigger="retry",
        recipients=cohort,
        parent_job_id=parent.meta.id,
    )
    return BuiltScenario(
        campaign,
        upload,
        [parent, child],
        {
            "retry_child_id": child_id,
            "retry_child_recipient_ids": [row.recipient_id for row in cohort],
        },
    )
