"""The one retry orchestration, for both faces: the retry page and ``triage-gui retry``.

Everything that decides who may be dialled again lives here or below (the domain's cohort rules,
:class:`~triage_gui.services.retry_launch.RetryLauncher`'s ledger-first launch), so the wizard and
the command line can never disagree:

- one ledger per (API base URL, workspace, job) on this machine
  (:func:`triage_gui.store.retry_ledger.ledger_dir`), whichever face or case launches;
- what the server shows wins across workstations: the job's retry jobs (children, and
  retry-triggered jobs of the same campaign and upload) and their attempts count as retried, and
  while any of them is unfinished no new launch goes out without a written reason, and even then
  nobody who is in one is put in another;
- the launch itself re-reads the server right before the intent is recorded (the launcher's gate).

Methods block: the UI calls them on its runner, the CLI directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from triage_gui.domain.dispatch_monitor import MonitorVerdict
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import BatchJob
from triage_gui.domain.report import RetryPlan
from triage_gui.domain.retry_cohort import Cohort, CohortPhase, CohortProblem, propose_cohort, validate_cohort
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.domain.retry_jobs import unfinished_retry_problems
from triage_gui.providers.base import Provider
from triage_gui.services.retry_launch import LaunchOutcome, RetryLauncher
from triage_gui.store.retry_ledger import RetryLedger, ledger_dir


@dataclass(frozen=True)
class RetryContext:
    """What the retries already made for this job mean for the next cohort."""

    workspace: str
    job: str
    retried: dict[str, str] = field(default_factory=dict)  # recipient id -> retry that has it
    entries: list[RetryIntent] = field(default_factory=list)  # this job's intents, oldest first
    retry_children: list[str] = field(default_factory=list)  # its retry jobs on the server, oldest first
    unfinished: list[BatchJob] = field(default_factory=list)  # those still queued, running or paused
    slots: dict[str, set[str]] = field(default_factory=dict)  # unfinished retry job -> recipients known in it

    @property
    def pending(self) -> list[RetryIntent]:
        return [e for e in self.entries if e.state is IntentState.PENDING]

    @property
    def sample(self) -> RetryIntent | None:
        return next((e for e in self.entries if e.phase == "sample" and e.retry_job_id), None)

    @property
    def sample_job_id(self) -> str | None:
        """The sample's retry job; without a ledger entry, the job's first retry job (another
        agent's or another workstation's launch)."""
        if self.sample is not None:
            return self.sample.retry_job_id
        return self.retry_children[0] if self.retry_children else None

    @property
    def latest_job_id(self) -> str | None:
        """The retry job to watch: an unfinished one first, else the newest launched."""
        if self.unfinished:
            return self.unfinished[-1].id
        launched = [e.retry_job_id for e in self.entries if e.retry_job_id]
        if launched:
            return launched[-1]
        return self.retry_children[-1] if self.retry_children else None

    def gate_problems(self, cohort: Cohort) -> list[CohortProblem]:
        """The unfinished-retry rules on this context (the launch checks them again on the server)."""
        return unfinished_retry_problems(self.unfinished, self.slots, cohort.recipient_ids)


def default_note(cohort: Cohort) -> str:
    """The note both faces send: the same cohort from either face is the same request body."""
    return f"Outbound Triage: targeted retry ({cohort.phase.value}) of {cohort.job_id}, {cohort.size} recipients"


def open_ledger(data_dir: Path, base_url: str, workspace: str, job: str) -> RetryLedger:
    return RetryLedger(ledger_dir(data_dir, base_url, workspace, job))


class RetryService:
    """The retries of one job through one provider and its machine-wide ledger."""

    def __init__(
        self,
        provider: Provider,
        ledger: RetryLedger,
        *,
        cancel: threading.Event | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.provider = provider
        self.ledger = ledger
        self.cancel = cancel or threading.Event()
        self.launcher = RetryLauncher(provider, ledger, cancel=self.cancel, progress=progress)

    # -- what has been retried ---------------------------------------------------------------
    def context(self, parent: BatchJob) -> RetryContext:
        """The job's retries: its retry jobs as the server shows them now, their attempts, and this
        machine's ledger."""
        ws, job = parent.workspace_id, parent.id
        children = self.provider.retry_jobs(ws, parent)
        retried: dict[str, str] = {}
        unfinished = [j for j in children if not j.status.is_finished]
        slots: dict[str, set[str]] = {j.id: set() for j in unfinished}
        for child in children:
            if self.cancel.is_set():
                break
            for call in self.provider.iter_calls(ws, child.id, max_items=child.plausible_attempts):
                retried.setdefault(call.recipient_id, child.id)
                if child.id in slots:
                    slots[child.id].add(call.recipient_id)
        entries = self.ledger.for_job(ws, job)
        for entry in entries:
            if entry.retry_job_id in slots:
                slots[entry.retry_job_id].update(entry.recipient_ids)
        for rid, label in self.ledger.retried_recipients(ws, job).items():
            retried.setdefault(rid, label)
        return RetryContext(ws, job, retried, entries, [c.id for c in children], unfinished, slots)

    # -- choosing and checking a cohort --------------------------------------------------------
    def propose(
        self, plan: RetryPlan, context: RetryContext, phase: CohortPhase, exclude_codes: list[str] | None = None
    ) -> Cohort:
        return propose_cohort(
            plan,
            context.workspace,
            context.job,
            phase,
            already_retried=context.retried,
            exclude_codes=exclude_codes or (),
        )

    @staticmethod
    def check(
        cohort: Cohort,
        plan: RetryPlan,
        data: IncidentData,
        context: RetryContext,
        settings: AnalysisSettings,
        extra: list[CohortProblem] | None = None,
    ) -> list[CohortProblem]:
        """Every problem of this cohort: the domain's rules, the unfinished-retry rule, ``extra``
        (e.g. the sample gate before a remainder). Pure: no I/O."""
        problems = validate_cohort(cohort, plan, data, already_retried=context.retried, settings=settings)
        return problems + context.gate_problems(cohort) + list(extra or [])

    # -- launching, resuming, monitoring -------------------------------------------------------
    def launch(
        self, cohort: Cohort, problems: list[CohortProblem], override_reason: str | None, note: str = ""
    ) -> LaunchOutcome:
        return self.launcher.launch(
            cohort.recipient_ids,
            cohort.workspace_id,
            cohort.job_id,
            note or default_note(cohort),
            override_reason,
            problems=problems,
            phase=cohort.phase.value,
        )

    def resume_pending(self, workspace: str | None = None, job: str | None = None) -> list[LaunchOutcome]:
        return self.launcher.resume_pending(workspace, job)

    def monitor(self, retry_job_id: str, workspace: str, settings: AnalysisSettings) -> MonitorVerdict:
        return self.launcher.monitor(
            retry_job_id,
            workspace,
            stall_threshold_s=settings.stall_threshold_s,
            failure_threshold=settings.transient_threshold,
        )
