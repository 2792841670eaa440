"""``triage-gui retry``: the targeted retry plan for a job, and with ``--execute`` its launch.

A dry run by default: it prints who would be called, how many, who is left out and why, and
never sends a POST. ``--execute`` launches the sample (or ``--remainder``, once the sample's
first dispatches are healthy) through :class:`RetryLauncher`, with the retry ledger in the case
directory, so the same command run twice (or after a crash) launches once: pending intents are
resumed with their own key before anything new is considered.

Exit codes: 0 done (a dry run, a launch, or nothing left to launch); 2 usage, credentials, bad
input or an unreadable ledger; 3 authentication or access refused; 4 not found; 5 the server
could not be reached or failed; 6 the server broke the API contract; 7 the launch was refused
(cohort problems without an override, or by the server); 8 the launch is unresolved (pending:
run the same command again to resume it, never with another cohort).

``--json`` prints one object naming the ``provider`` and the ``retry_job_id`` this run launched,
found, or found already holding the cohort (None when there is none or it is unresolved).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_gui.cli.api_errors import api_failure, fail
from triage_gui.cli.connection_args import ConnectionArgsError, add_connection_args, resolve_connection
from triage_gui.providers.errors import ApiError

if TYPE_CHECKING:
    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.domain.report import RetryPlan
    from triage_gui.domain.retry_cohort import CohortPhase
    from triage_gui.services.retry import RetryContext, RetryService

EXIT_OK, EXIT_USAGE = 0, 2  # 3 to 6: a failed API call (see cli.api_errors)
EXIT_REFUSED, EXIT_UNRESOLVED = 7, 8

_fail = partial(fail, "retry")  # the command's own errors; a failed API call: api_failure


def configure(parser: argparse.ArgumentParser) -> None:
    add_connection_args(parser)
    parser.add_argument("--job", required=True, help="batch job ID (the job whose failures are retried)")
    parser.add_argument(
        "--sample", type=int, metavar="N", help="size of the sample cohort, 10–20 (default: settings, 10)"
    )
    parser.add_argument("--remainder", action="store_true", help="the rest of the plan, after a healthy sample")
    parser.add_argument(
        "--case", metavar="DIR", help="case directory holding the retry ledger (default: per job, in the user data dir)"
    )
    parser.add_argument("--execute", action="store_true", help="launch the retry (without it: a dry run, no POST)")
    parser.add_argument(
        "--override-reason",
        metavar="TEXT",
        help="launch despite cohort problems or a hold; at least 10 characters, recorded with the launch",
    )
    parser.add_argument(
        "--exclude-code",
        action="append",
        default=[],
        metavar="CODE",
        help="leave out recipients whose last failure has this code (repeatable)",
    )
    parser.add_argument("--note", help="note sent with the retry (default: says which phase of which job)")
    parser.add_argument(
        "--watch",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="after launching, follow the first dispatches this long (default 0: one look)",
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="poll interval while watching (default 5)"
    )
    parser.add_argument("--region", help="default phone region for numbers without '+' (e.g. GB)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")


def default_ledger_dir(base_url: str, workspace: str, job: str) -> Path:
    """The machine-wide ledger of this job: the one the wizard uses too (services/retry.py)."""
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.retry_ledger import ledger_dir

    return ledger_dir(AppPaths().data_dir, base_url, workspace, job)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.domain.retry_cohort import override_is_valid
    from triage_gui.providers.http.retry_policy import check_id
    from triage_gui.services.retry import RetryService
    from triage_gui.store.retry_ledger import LedgerError, RetryLedger

    try:
        resolved = resolve_connection(args)
        update: dict[str, object] = {}
        if args.sample is not None:
            update["sample_size"] = args.sample
        if args.region:
            update["default_region"] = args.region.upper()
        settings = AnalysisSettings.model_validate({**resolved.settings.model_dump(), **update})
        check_id(args.job, "Job ID")
        check_id(resolved.workspace, "Workspace ID")
    except ConnectionArgsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except ValidationError as exc:
        return _fail(f"invalid option: {exc.errors()[0]['msg']}", EXIT_USAGE)
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.override_reason is not None and not override_is_valid(args.override_reason):
        return _fail("--override-reason must say why in at least 10 characters", EXIT_USAGE)

    ws, job = resolved.workspace, args.job
    out = _Output(args)
    out.data["provider"] = resolved.connection.provider
    try:
        ledger = RetryLedger(
            Path(args.case) if args.case else default_ledger_dir(resolved.connection.base_url, ws, job)
        )
        with resolved.connection.open_provider() as provider:
            service = RetryService(provider, ledger, progress=out.progress)
            return _run(args, service, ws, job, settings, out)
    except LedgerError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except ApiError as exc:
        return api_failure("retry", exc)


def _run(
    args: argparse.Namespace, service: RetryService, ws: str, job: str, settings: AnalysisSettings, out: _Output
) -> int:
    from triage_gui.domain.retry_cohort import (
        CohortPhase,
        blocking_problems,
        confirmation_text,
        remainder_problems,
    )
    from triage_gui.domain.retry_planning import plan_retry
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident
    from triage_gui.services.retry_launch import LaunchStatus

    ledger = service.ledger
    out.data["ledger"] = str(ledger.path)
    if args.execute:
        resumed = service.resume_pending(ws, job)
        out.data["resumed"] = [_outcome_json(o) for o in resumed]
        for outcome in resumed:
            out.line(f"Resumed pending retry {outcome.key}: {outcome.status.value} — {outcome.message}")
            if outcome.ok:
                out.data["retry_job_id"] = outcome.retry_job_id
        if any(o.status is LaunchStatus.UNRESOLVED for o in resumed):
            out.line(
                "A pending retry is still unresolved: nothing new is launched until it is known. Run this again later."
            )
            return out.finish(EXIT_UNRESOLVED)
    else:
        for intent in ledger.pending(ws, job):
            out.line(f"Pending retry {intent.key} ({intent.cohort_size} recipients): run with --execute to resume it.")
        out.data["pending"] = [i.key for i in ledger.pending(ws, job)]

    data = fetch_incident(
        service.provider, FetchRequest(workspace_id=ws, job_id=job, region=settings.default_region, audit_upload=False)
    )
    for what, why in data.missing.items():
        out.warn(f"could not fetch {what}: {why}")
    plan = plan_retry(data, settings)
    context = service.context(data.job)
    out.data["unfinished_retry_jobs"] = [j.id for j in context.unfinished]
    phase = CohortPhase.REMAINDER if args.remainder else CohortPhase.SAMPLE
    cohort = service.propose(plan, context, phase, args.exclude_code)
    extra = []
    if args.remainder and cohort.size:
        sample_job = context.sample_job_id
        verdict = service.monitor(sample_job, ws, settings) if sample_job else None
        extra = remainder_problems(sample_job, verdict)
    # an empty cohort is reported as "nothing to launch" below, not as a problem
    problems = service.check(cohort, plan, data, context, settings, extra) if cohort.size else []
    blocking = blocking_problems(problems, args.override_reason)
    out.plan(plan, cohort, problems, blocking, context.retried)
    for unfinished in context.unfinished:
        out.line(
            f"Retry job {unfinished.id} of this job is {unfinished.status.value}: watch it before anything new"
            " (its first dispatches are judged below)."
        )
        _watch(service, unfinished.id, ws, args, settings, out)

    if cohort.size == 0:
        launched = [e.retry_job_id for e in ledger.for_job(ws, job) if e.phase == phase.value and e.retry_job_id]
        # no ledger entry here: another data folder or workstation launched it; the server knows
        elsewhere = _holding_jobs(plan, phase, context) if not launched else []
        if launched:
            out.data["retry_job_id"] = launched[-1]
            out.line(f"Nothing left to launch: the {phase.value} was launched as retry job {launched[-1]}.")
            if args.execute and launched[-1] not in {j.id for j in context.unfinished}:
                _watch(service, launched[-1], ws, args, settings, out)
        elif elsewhere:
            out.data["retry_job_id"] = elsewhere[-1]
            out.line(
                f"Nothing left to launch: the {phase.value} is already in retry job {', '.join(elsewhere)}"
                " (launched from another data folder or workstation)."
            )
        else:
            out.line(f"Nothing to launch: the plan has no {phase.value} recipients left.")
        return out.finish(EXIT_OK)
    if not args.execute:
        verb = "would be refused" if blocking else "would be launched"
        out.line(f"Dry run: this retry {verb}. Add --execute to launch it.")
        return out.finish(EXIT_OK)
    if blocking:
        out.line("Refused: " + " ".join(p.message for p in blocking))
        if all(p.overridable for p in blocking):
            out.line("Give --override-reason TEXT (why, at least 10 characters) to launch anyway; it is recorded.")
        return out.finish(EXIT_REFUSED)

    override = args.override_reason if problems else None
    out.line(confirmation_text(cohort, override_reason=override))
    outcome = service.launch(cohort, problems, args.override_reason, args.note or "")
    out.data["launch"] = _outcome_json(outcome)
    out.data["retry_job_id"] = outcome.retry_job_id if outcome.ok else None
    out.line(f"Launch {outcome.status.value}: {outcome.message}")
    if outcome.status is LaunchStatus.UNRESOLVED:
        out.line("Do not relaunch with another cohort: run this same command again to resume it.")
        return out.finish(EXIT_UNRESOLVED)
    if outcome.status is LaunchStatus.REFUSED:
        return out.finish(EXIT_REFUSED)
    if outcome.retry_job_id:
        _watch(service, outcome.retry_job_id, ws, args, settings, out)
    return out.finish(EXIT_OK)


def _holding_jobs(plan: RetryPlan, phase: CohortPhase, context: RetryContext) -> list[str]:
    """The retry jobs on the server that hold this phase's planned recipients, oldest first."""
    from triage_gui.domain.retry_cohort import CohortPhase

    wanted = plan.remainder_ids if phase is CohortPhase.REMAINDER else plan.sample_ids
    held = {context.retried[rid] for rid in wanted if rid in context.retried}
    return [j for j in context.retry_children if j in held]


def _watch(
    service: RetryService,
    retry_job_id: str,
    ws: str,
    args: argparse.Namespace,
    settings: AnalysisSettings,
    out: _Output,
) -> None:
    deadline = time.monotonic() + max(args.watch, 0.0)
    pause = threading.Event()
    while True:
        verdict = service.monitor(retry_job_id, ws, settings)
        out.progress(f"monitor: {verdict.kind.value}: {verdict.summary}")
        remaining = deadline - time.monotonic()
        if verdict.kind.final or remaining <= 0:
            break
        pause.wait(min(max(args.interval, 0.2), remaining))
    out.data["monitor"] = verdict.model_dump(mode="json", exclude={"rows"})
    out.line(f"Monitor ({retry_job_id}): {verdict.kind.value}. {verdict.summary}")
    out.line(f"Next: {verdict.next_action}")


def _outcome_json(outcome) -> dict[str, Any]:
    return {
        "status": outcome.status.value,
        "key": outcome.key,
        "retry_job_id": outcome.retry_job_id,
        "cohort_size": outcome.intent.cohort_size if outcome.intent else None,
        "message": outcome.message,
    }


class _Output:
    """Text on stdout (or one JSON object with --json); progress and warnings on stderr."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.json = args.json
        self.data: dict[str, Any] = {"dry_run": not args.execute, "retry_job_id": None}
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        if self.json:
            self.lines.append(text)
        else:
            print(text, flush=True)

    def progress(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def warn(self, text: str) -> None:
        print(f"warning: {text}", file=sys.stderr, flush=True)

    def plan(self, plan, cohort, problems, blocking, retried) -> None:
        from triage_gui.domain.retry_cohort import cohort_csv_rows

        left_out: dict[str, int] = {}
        for m in cohort.members:
            if not m.selected:
                left_out[m.reason] = left_out.get(m.reason, 0) + 1
        self.data.update(
            workspace_id=cohort.workspace_id,
            job_id=cohort.job_id,
            phase=cohort.phase.value,
            plan={
                "planned": len(plan.recipient_ids),
                "sample": len(plan.sample_ids),
                "remainder": len(plan.remainder_ids),
                "excluded": plan.excluded,
                "hold": plan.hold,
                "hold_reason": plan.hold_reason,
            },
            cohort={
                "size": cohort.size,
                "key": cohort.key if cohort.size else None,
                "recipients": cohort_csv_rows(cohort),
            },
            not_in_cohort=left_out,
            already_retried=len(retried),
            problems=[{**p.model_dump(mode="json"), "overridable": p.overridable} for p in problems],
            blocking=[p.kind.value for p in blocking],
        )
        if self.json:
            return
        print(f"Retry plan for job {cohort.job_id} (workspace {cohort.workspace_id}):")
        print(
            f"  planned: {len(plan.recipient_ids)} recipients (sample {len(plan.sample_ids)}, remainder {len(plan.remainder_ids)})"
        )
        for reason, n in plan.excluded.items():
            print(f"  excluded by the plan: {n} — {_words(reason)}")
        if plan.hold:
            print(f"  ON HOLD: {plan.hold_reason}")
        print(
            f"Cohort ({cohort.phase.value}): {cohort.size} recipient{'s' if cohort.size != 1 else ''} would be called:"
        )
        for row in cohort_csv_rows(cohort):
            print(f"  {row['recipient_id']}  {row['masked_number']}  last failure {row['last_failure'] or '-'}")
        for reason, n in sorted(left_out.items(), key=lambda kv: -kv[1]):
            print(f"  not in this cohort: {n} — {_words(reason)}")
        for p in problems:
            state = "BLOCKS" if p in blocking else "overridden"
            print(f"  problem ({state}): {p.message}")

    def finish(self, code: int) -> int:
        if self.json:
            self.data["messages"] = self.lines
            self.data["exit_code"] = code
            sys.stdout.write(json.dumps(self.data, ensure_ascii=False) + "\n")
        return code


def _words(reason: str) -> str:
    """The plan's reason keys ("permanent_failure") in words; other reasons are words already."""
    return reason.replace("_", " ") if " " not in reason else reason
