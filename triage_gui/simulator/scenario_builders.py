"""One builder per scenario: the campaign, its upload and its job(s), telling one runbook story.

Times are relative to the clock's start ``S`` (``ctx.start``): a running job started 45
minutes before it; a finished job started early enough (from its size and pace) to have
finished well before it. Each builder draws from its own seeded random streams, so the same
seed and size always give the same data.

What every scenario shares (a campaign with its contact file, a job dialling it) is built by
the helpers at the top; the builders say only what makes their story.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage_gui.simulator.clock import iso
from triage_gui.simulator.outcomes import STANDARD_RETRYABLE, OutcomeMix, scripts_for
from triage_gui.simulator.plan import INF, JobMeta, JobPlan
from triage_gui.simulator.population import NumberFactory, UploadData, UploadRow, build_upload
from triage_gui.simulator.progression import DispatchSpec, build_plan
from triage_gui.simulator.scenario_model import BuildContext, BuiltScenario, CampaignData

MINUTE = 60.0
HOUR = 3600.0
RUNNING_FOR = 45 * MINUTE  # a running scenario's job started this long before S
_STANDARD_MIX = OutcomeMix()


@dataclass(frozen=True)
class CampaignSetup:
    """What the operator set up before the incident: the campaign and its contact file."""

    title: str
    agent: str
    filename: str
    home: str = "US"  # the country the contacts' numbers (and the caller id) belong to
    duplicate_share: float = 0.0
    malformed_share: float = 0.0
    age: float = 3 * HOUR  # how long before S the campaign was created


_SETUPS: dict[str, CampaignSetup] = {
    "healthy": CampaignSetup("Flu shot reminders — November", "agt_reminders_v3", "flu_reminders_nov.csv"),
    "stalled": CampaignSetup(
        "Appointment confirmations — Brooklyn clinic",
        "agt_confirmations_v2",
        "brooklyn_appointments_week48.csv",
    ),
    "permit_starved": CampaignSetup("Past-due balance outreach", "agt_collections_soft_v1", "past_due_2026-11-25.csv"),
    "transient_storm": CampaignSetup(
        "Delivery slot confirmations (UK)",
        "agt_delivery_uk_v4",
        "delivery_slots_uk.csv",
        home="GB",
    ),
    "retry_loop": CampaignSetup("Prescription ready notifications", "agt_pharmacy_v2", "rx_ready_batch_17.csv"),
    "duplicate_run": CampaignSetup("Open enrolment reminders", "agt_enrolment_v1", "open_enrolment_wave2.csv"),
    "duplicate_delivery": CampaignSetup("Service outage callbacks", "agt_outage_callback_v2", "outage_callbacks.csv"),
    "dirty_upload": CampaignSetup(
        "Termin-Erinnerungen Praxis Berlin",
        "agt_termine_de_v1",
        "termine_export_final2.csv",
        home="DE",
        duplicate_share=0.06,
        malformed_share=0.04,
    ),
    "fewer_calls": CampaignSetup("Annual check-up invitations", "agt_checkup_v5", "checkup_invites_q4.csv"),
    "completed": CampaignSetup("School closure notice", "agt_notices_v2", "closure_notice_parents.csv"),
    "config_mismatch": CampaignSetup("Insurance renewal reminders", "agt_renewals_v3", "renewals_december.csv"),
    "retry_stalled": CampaignSetup(
        "Vaccination follow-ups", "agt_followups_v1", "vax_followups_nov.csv", age=20 * HOUR
    ),
}


def _campaign(ctx: BuildContext) -> tuple[CampaignData, UploadData]:
    setup = _SETUPS[ctx.name]
    upload = build_upload(
        ctx.rng("upload"),
        upload_id=ctx.upload_id,
        filename=setup.filename,
        created_at=ctx.start - setup.age - 20 * MINUTE,
        rows=ctx.size,
        home=setup.home,
        duplicate_share=setup.duplicate_share,
        malformed_share=setup.malformed_share,
    )
    from_number = NumberFactory(ctx.rng("from-number"), setup.home).e164(setup.home)
    campaign = CampaignData(ctx.campaign_id, setup.title, setup.agent, from_number, upload.id, ctx.start - setup.age)
    return campaign, upload


def _job(
    ctx: BuildContext,
    campaign: CampaignData,
    upload: UploadData,
    *,
    dispatch: DispatchSpec,
    concurrency: int,
    mix: OutcomeMix = _STANDARD_MIX,
    started: float | None = None,  # None: running, started RUNNING_FOR before S
    job_id: str | None = None,
    trigger: str = "schedule",
    recipients: list[UploadRow] | None = None,
    from_number: str | None = None,
    parent_job_id: str | None = None,
) -> JobPlan:
    job_id = job_id or ctx.job_id
    started = ctx.start - RUNNING_FOR if started is None else started
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


def _one_job(
    ctx: BuildContext,
    *,
    dispatch: DispatchSpec,
    concurrency: int,
    mix: OutcomeMix = _STANDARD_MIX,
    started: float | None = None,
    from_number: str | None = None,
) -> BuiltScenario:
    """The most common story's cast: the scenario's campaign and one job dialling its upload."""
    campaign, upload = _campaign(ctx)
    job = _job(
        ctx,
        campaign,
        upload,
        dispatch=dispatch,
        concurrency=concurrency,
        mix=mix,
        started=started,
        from_number=from_number,
    )
    return BuiltScenario(campaign, upload, [job])


def _finished_start(ctx: BuildContext, size: int, pace: float) -> float:
    """A start time early enough for ``size`` recipients at ``pace`` (and retries) to finish."""
    return ctx.start - (size * pace * 1.2 + 2 * HOUR)


def healthy(ctx: BuildContext) -> BuiltScenario:
    return _one_job(ctx, dispatch=DispatchSpec(pace=3.0), concurrency=50)


def stalled(ctx: BuildContext) -> BuiltScenario:
    stall_at = ctx.start - 30 * MINUTE
    built = _one_job(ctx, dispatch=DispatchSpec(pace=3.5, stall_at=stall_at), concurrency=30)
    built.extra_truth["stalled_since"] = iso(stall_at)
    return built


def permit_starved(ctx: BuildContext) -> BuiltScenario:
    hold_at = ctx.start - 24 * MINUTE
    built = _one_job(ctx, dispatch=DispatchSpec(pace=0.0, hold_at=hold_at, feeder_interval=8.0), concurrency=10)
    held = [a.id for a in built.jobs[0].attempts if a.dispatched_at < hold_at and a.ended_at == INF]
    built.extra_truth.update(held_attempt_ids=held, permits_held_since=iso(hold_at))
    return built


def transient_storm(ctx: BuildContext) -> BuiltScenario:
    mix = OutcomeMix(
        transient=0.88,
        permanent=0.01,
        retry_delay=(120.0, 300.0),
        transient_codes=(("provider_timeout", 3.0), ("temporarily_unavailable", 2.0)),
    )
    return _one_job(ctx, dispatch=DispatchSpec(pace=2.5), concurrency=40, mix=mix)


def retry_loop(ctx: BuildContext) -> BuiltScenario:
    mix = OutcomeMix(
        permanent=0.12,
        retry_delay=(150.0, 300.0),
        retry_permanent_until=(4, 6),
        permanent_codes=(("invalid_number", 3.0), ("number_not_in_service", 2.0)),
        # The misconfiguration behind the loop: permanent codes listed as retryable.
        retryable_codes=(*STANDARD_RETRYABLE, "invalid_number", "number_not_in_service"),
    )
    return _one_job(ctx, dispatch=DispatchSpec(pace=3.0), concurrency=30, mix=mix)


def duplicate_run(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(ctx)
    dispatch = DispatchSpec(pace=6.0)
    first = _job(ctx, campaign, upload, started=ctx.start - 49 * MINUTE, dispatch=dispatch, concurrency=20)
    # Someone started the same campaign by hand six minutes after the scheduled run.
    second = _job(
        ctx,
        campaign,
        upload,
        started=ctx.start - 43 * MINUTE,
        dispatch=dispatch,
        concurrency=20,
        trigger="manual",
        job_id=f"{ctx.job_id}_b",
    )
    return BuiltScenario(campaign, upload, [first, second], {"duplicate_job_ids": [first.meta.id, second.meta.id]})


def duplicate_delivery(ctx: BuildContext) -> BuiltScenario:
    dispatch = DispatchSpec(pace=3.0, duplicate_share=0.02, dedupe_share=0.03)
    return _one_job(ctx, dispatch=dispatch, concurrency=60)


def dirty_upload(ctx: BuildContext) -> BuiltScenario:
    # The file's faults are in its setup (duplicate and malformed shares); the job completed.
    pace = 3.0
    started = _finished_start(ctx, ctx.size, pace)
    return _one_job(ctx, dispatch=DispatchSpec(pace=pace), concurrency=30, started=started)


def fewer_calls(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(ctx)
    rng = ctx.rng("dropped")
    kept = [row for row in upload.rows if rng.random() < 0.62]
    pace = 3.0
    job = _job(
        ctx,
        campaign,
        upload,
        started=_finished_start(ctx, len(kept), pace),
        dispatch=DispatchSpec(pace=pace),
        concurrency=30,
        recipients=kept,
    )
    return BuiltScenario(campaign, upload, [job])


def completed(ctx: BuildContext) -> BuiltScenario:
    pace = 3.0
    started = _finished_start(ctx, ctx.size, pace)
    return _one_job(
        ctx,
        dispatch=DispatchSpec(pace=pace),
        concurrency=40,
        mix=OutcomeMix(exhaust=0.01),
        started=started,
    )


def config_mismatch(ctx: BuildContext) -> BuiltScenario:
    # The job kept the number the campaign used before it was changed.
    old_number = NumberFactory(ctx.rng("old-from-number"), "US").e164("US")
    built = _one_job(ctx, dispatch=DispatchSpec(pace=4.0), concurrency=40, from_number=old_number)
    mismatch: dict[str, Any] = {"from_number": (old_number, built.campaign.from_number)}
    built.extra_truth["mismatch"] = mismatch
    return built


def retry_stalled(ctx: BuildContext) -> BuiltScenario:
    campaign, upload = _campaign(ctx)
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
