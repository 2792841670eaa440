"""Launching a targeted retry so that no outcome, however ambiguous, can create a second job.

The order is the whole point:

1. the ``Idempotency-Key`` is derived from (workspace, job, cohort), so the same cohort always
   has the same key, whoever computes it and whenever;
2. the intent (key and exact body) is written to the case's retry ledger, fsynced, BEFORE the
   request is sent;
3. the POST carries the key; the client already re-sends it (same key) on timeouts, dropped
   connections and 5xx, and the launcher re-sends a few more rounds;
4. still ambiguous: the retry job is looked up (children of the job created since the intent
   whose recipients are exactly the cohort); found means launched;
5. still not known: the intent stays ``pending`` and the agent is told "unresolved — do not
   relaunch; it will be resumed". :meth:`RetryLauncher.resume_pending` (on start, or the same
   command run again) re-sends each pending intent with its own key and its own body.

A new key is never made for a cohort that has one, so at worst the server answers "that job
already exists" (200) instead of creating another.

A platform without an idempotency key (ElevenLabs: the key is only the retry batch's name,
searched for before each submit) gets ONE send per run: after an ambiguous failure the request
is looked up, never sent again by itself, because a server that acts late on the first send
would make a second batch that no search could have seen. Still not found, the intent stays
pending; the same command run again searches by name before it sends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from triage_gui.domain.dispatch_monitor import DEFAULT_WINDOW, MonitorVerdict, judge_first_dispatches
from triage_gui.domain.models import BatchJob
from triage_gui.domain.retry_cohort import CohortProblem, blocking_problems, idempotency_key
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.domain.retry_jobs import unfinished_retry_problems
from triage_gui.providers.base import Provider
from triage_gui.providers.errors import ApiError, AuthError, NotFound, RequestRejected
from triage_gui.store.retry_ledger import RetryLedger

log = logging.getLogger(__name__)

UNRESOLVED_MESSAGE = "unresolved — do not relaunch; it will be resumed"
# The server's clock as the client last saw it can be a few seconds off the moment the server
# stamped the job; the lookup also matches recipients, so a generous margin costs nothing.
LOOKUP_MARGIN = timedelta(minutes=5)
# Where a launch carries no key (ElevenLabs), an intent already sent is only looked up, never sent
# again, until this long after its last send: a platform that acts late on the first submit would
# otherwise get a second one (a second batch, everyone dialled twice). Past it, a batch that is still
# not there was never made, and the intent may be sent once more.
UNKEYED_SETTLE = timedelta(minutes=15)


class LaunchStatus(StrEnum):
    LAUNCHED = "launched"  # this launch created the retry job
    ALREADY_LAUNCHED = "already_launched"  # the job existed (earlier send, earlier run, other agent)
    REFUSED = "refused"  # the server definitely refused; no job exists for this key
    UNRESOLVED = "unresolved"  # not known yet: pending, to be resumed, never relaunched


@dataclass(frozen=True)
class LaunchOutcome:
    status: LaunchStatus
    key: str
    intent: RetryIntent | None  # None: refused before anything was recorded or sent
    job: BatchJob | None = None
    message: str = ""
    problems: tuple[CohortProblem, ...] = ()  # what blocked the launch, when it was refused so

    @property
    def retry_job_id(self) -> str | None:
        if self.job is not None:
            return self.job.id
        return self.intent.retry_job_id if self.intent is not None else None

    @property
    def ok(self) -> bool:
        return self.status in (LaunchStatus.LAUNCHED, LaunchStatus.ALREADY_LAUNCHED)


def resends_safely(provider: Provider) -> bool:
    """Whether the same launch may be sent again after an ambiguous failure: only where the
    platform's idempotency key makes a second send answer with the first job."""
    return bool(getattr(provider, "launch_is_keyed", False))  # unknown: assume no key, never resend


class RetryLauncher:
    """Launch, resume and monitor retries of one case. Methods block: call them from a worker.

    ``cancel`` (a ``threading.Event``) stops waiting between rounds; an intent interrupted so is
    left pending, which is safe. ``progress`` receives plain-words steps for a status line.
    """

    def __init__(
        self,
        provider: Provider,
        ledger: RetryLedger,
        *,
        rounds: int = 2,
        round_pause_s: float = 1.0,
        cancel: threading.Event | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.provider = provider
        self.ledger = ledger
        self.rounds = 1 if not resends_safely(provider) else max(1, rounds)
        self.round_pause_s = round_pause_s
        self.cancel = cancel or threading.Event()
        self._say = progress or (lambda _message: None)

    # -- launching -------------------------------------------------------------------------
    def launch(
        self,
        cohort_ids: list[str],
        workspace: str,
        job: str,
        note: str = "",
        override_reason: str | None = None,
        *,
        problems: list[CohortProblem] | None = None,
        phase: str = "",
    ) -> LaunchOutcome:
        """``problems`` is :func:`validate_cohort`'s answer for this cohort: any that the
        override (a written reason of 10+ characters) does not lift refuses the launch before
        anything is recorded or sent; the ones it lifts are recorded with the intent.
        """
        ids = sorted(set(cohort_ids))
        if not ids:
            raise ValueError("a retry needs at least one recipient")
        key = idempotency_key(workspace, job, ids)
        problems = list(problems or [])
        blocking = blocking_problems(problems, override_reason)
        if blocking:
            return LaunchOutcome(
                LaunchStatus.REFUSED,
                key,
                None,
                message="refused before sending: " + " ".join(p.message for p in blocking),
                problems=tuple(blocking),
            )
        overridden = [p.kind.value for p in problems]
        existing = self.ledger.get(key)
        if existing is not None and existing.state is IntentState.LAUNCHED:
            return LaunchOutcome(
                LaunchStatus.ALREADY_LAUNCHED,
                key,
                existing,
                message=f"already launched as retry job {existing.retry_job_id}; nothing sent",
            )
        if existing is None or existing.state is IntentState.FAILED:
            # The server is the truth across workstations: another agent's retry of this job,
            # still queued or running, is seen here even though no ledger of ours has it.
            self._say("Looking for unfinished retry jobs of this job…")
            parent = self.provider.get_job(workspace, job)  # also proves the job exists, reads the clock
            gate = self.unfinished_retry_problems(workspace, parent, ids)
            blocking = blocking_problems(gate, override_reason)
            if blocking:
                return LaunchOutcome(
                    LaunchStatus.REFUSED,
                    key,
                    None,
                    message="refused before sending: " + " ".join(p.message for p in blocking),
                    problems=tuple(blocking),
                )
            overridden += [p.kind.value for p in gate]
            if not overridden:
                override_reason = None
            intent = self.ledger.record_intent(
                key,
                workspace=workspace,
                job=job,
                recipient_ids=ids,
                note=note,
                override_reason=override_reason,
                overridden=overridden,
                phase=phase,
                server_time=self.provider.server_now(),
            )
        else:  # pending: the same cohort is already on its way; finish that, with its own body
            intent = existing
        return self._resolve(intent)

    def unfinished_retry_problems(self, ws: str, parent: BatchJob, cohort_ids: list[str]) -> list[CohortProblem]:
        """:func:`~triage_gui.domain.retry_jobs.unfinished_retry_problems` on what the server
        shows now (the retry jobs and their attempts) and what this ledger knows."""
        unfinished = [j for j in self.provider.retry_jobs(ws, parent) if not j.status.is_finished]
        slots: dict[str, set[str]] = {}
        for retry_job in unfinished:
            known = slots.setdefault(retry_job.id, set())
            entry = self.ledger.by_retry_job(retry_job.id)
            if entry is not None:
                known.update(entry.recipient_ids)
            known.update(
                c.recipient_id
                for c in self.provider.iter_calls(ws, retry_job.id, max_items=retry_job.plausible_attempts)
            )
        return unfinished_retry_problems(unfinished, slots, cohort_ids)

    def resume_pending(self, workspace: str | None = None, job: str | None = None) -> list[LaunchOutcome]:
        """Re-send every pending intent (of one job, or all) with its own key and body."""
        outcomes = []
        for intent in self.ledger.pending(workspace, job):
            if self.cancel.is_set():
                break
            self._say(f"Resuming the pending retry {intent.key}…")
            outcomes.append(self._resolve(intent))
        return outcomes

    def _resolve(self, intent: RetryIntent) -> LaunchOutcome:
        key = intent.key
        ambiguous: list[str] = []
        if intent.sends > 0 and not resends_safely(self.provider):
            settled = self._settled_at(intent)
            if settled is None or self.ledger.now() < settled:
                # sent before, no key: look it up, never send again while a late batch may appear
                found = self._find_quietly(intent)
                if found is not None:  # an earlier send made it
                    entry = self.ledger.record_launched(key, found, f"already launched: found retry job {found.id}")
                    return LaunchOutcome(
                        LaunchStatus.ALREADY_LAUNCHED, key, entry, found, f"found retry job {found.id} for this cohort"
                    )
                when = f"{settled:%H:%M} UTC" if settled is not None else "it is resolved by hand"
                why = f"sent before and not on the platform yet; not sent again before {when}"
                entry = self.ledger.record_unresolved(key, f"{UNRESOLVED_MESSAGE} ({why})")
                return LaunchOutcome(LaunchStatus.UNRESOLVED, key, entry, message=f"{UNRESOLVED_MESSAGE}: {why}")
        for round_ in range(1, self.rounds + 1):
            if self.cancel.is_set():
                break
            self.ledger.record_sending(key)
            self._say(f"Sending the retry request (key {key})…")
            try:
                result = self.provider.launch_retry(
                    intent.workspace, intent.job, intent.recipient_ids, key=key, note=intent.note
                )
            except (RequestRejected, AuthError, NotFound) as exc:
                return self._refused(intent, exc, after_ambiguous=bool(ambiguous) or intent.sends > 0)
            except ApiError as exc:  # timeout, dropped connection, 5xx, 429, a garbled 2xx
                ambiguous.append(str(exc))
                self.ledger.record_unresolved(key, f"send {round_} ambiguous: {exc}")
                log.warning("retry %s: ambiguous result (%s)", key, exc)
                if round_ < self.rounds:
                    self.cancel.wait(self.round_pause_s)
                continue
            status = LaunchStatus.LAUNCHED if result.created else LaunchStatus.ALREADY_LAUNCHED
            words = "created" if result.created else "the server already had it (same key)"
            entry = self.ledger.record_launched(key, result.job, f"{status.value}: retry job {result.job.id} {words}")
            return LaunchOutcome(status, key, entry, result.job, f"retry job {result.job.id}: {words}")
        return self._look_up_or_leave_pending(intent, ambiguous)

    @staticmethod
    def _settled_at(intent: RetryIntent) -> datetime | None:
        """When an unkeyed intent's last send can no longer turn into a late batch."""
        sent = intent.last_sent_at or intent.updated_at
        return sent + UNKEYED_SETTLE if sent is not None else None

    def _refused(self, intent: RetryIntent, exc: ApiError, *, after_ambiguous: bool) -> LaunchOutcome:
        key = intent.key
        # A 422 can mean "this key already made a job, with another body" (another agent's
        # note), and any refusal after an ambiguous send may hide a job that now exists.
        if after_ambiguous or exc.status == 422:
            found = self._find_quietly(intent)
            if found is not None:
                entry = self.ledger.record_launched(key, found, f"already launched: found retry job {found.id}")
                return LaunchOutcome(
                    LaunchStatus.ALREADY_LAUNCHED, key, entry, found, f"found retry job {found.id} for this cohort"
                )
        if after_ambiguous and not isinstance(exc, RequestRejected):
            # e.g. the token expired after a timed-out send: the job may exist; keep it pending.
            entry = self.ledger.record_unresolved(key, f"{UNRESOLVED_MESSAGE} ({exc})")
            return LaunchOutcome(LaunchStatus.UNRESOLVED, key, entry, message=f"{UNRESOLVED_MESSAGE}: {exc}")
        entry = self.ledger.record_failed(key, f"refused: {exc}")
        return LaunchOutcome(LaunchStatus.REFUSED, key, entry, message=str(exc))

    def _look_up_or_leave_pending(self, intent: RetryIntent, ambiguous: list[str]) -> LaunchOutcome:
        key = intent.key
        self._say("The result is not known: looking the retry job up…")
        try:
            found = self.find_retry_job(intent)
        except ApiError as exc:
            ambiguous.append(f"look-up failed: {exc}")
            found = None
        if found is not None:
            entry = self.ledger.record_launched(
                key, found, f"launched: found retry job {found.id} after an ambiguous send"
            )
            return LaunchOutcome(
                LaunchStatus.LAUNCHED, key, entry, found, f"found retry job {found.id} after an ambiguous result"
            )
        why = ambiguous[-1] if ambiguous else "cancelled before an answer"
        entry = self.ledger.record_unresolved(key, f"{UNRESOLVED_MESSAGE} ({why})")
        return LaunchOutcome(LaunchStatus.UNRESOLVED, key, entry, message=f"{UNRESOLVED_MESSAGE}: {why}")

    def _find_quietly(self, intent: RetryIntent) -> BatchJob | None:
        try:
            return self.find_retry_job(intent)
        except ApiError as exc:
            log.warning("retry %s: look-up failed (%s)", intent.key, exc)
            return None

    # -- looking a retry job up ------------------------------------------------------------
    def find_retry_job(self, intent: RetryIntent) -> BatchJob | None:
        """The retry job of this intent: a child of the job, created since the intent, whose
        recipients are exactly the cohort. None when there is none (or none can be told apart).
        """
        parent = self.provider.get_job(intent.workspace, intent.job)
        since = (intent.server_time_at_intent or intent.created_at) - LOOKUP_MARGIN
        taken = {
            e.retry_job_id
            for e in self.ledger.for_job(intent.workspace, intent.job)
            if e.retry_job_id and e.key != intent.key
        }
        children = [
            j
            for j in self.provider.retry_jobs(intent.workspace, parent, created_after=since)
            if j.parent_job_id == intent.job and j.id not in taken
        ]
        wanted = set(intent.recipient_ids)
        matches: list[BatchJob] = []
        for child in sorted(children, key=lambda j: j.created_at):
            if child.counters.total and child.counters.total != len(wanted):
                continue
            recipients = {
                c.recipient_id
                for c in self.provider.iter_calls(intent.workspace, child.id, max_items=child.plausible_attempts)
            }
            if recipients == wanted or (not recipients and child.counters.total == len(wanted)):
                matches.append(child)
        if len(matches) > 1:
            log.warning(
                "retry %s: %d retry jobs match the cohort: %s",
                intent.key,
                len(matches),
                ", ".join(j.id for j in matches),
            )
        return matches[0] if matches else None

    # -- the first-dispatches monitor ------------------------------------------------------
    def monitor(
        self,
        retry_job_id: str,
        workspace: str | None = None,
        *,
        window: tuple[int, int] = DEFAULT_WINDOW,
        stall_threshold_s: float = 600.0,
        failure_threshold: float = 0.20,
    ) -> MonitorVerdict:
        """Fetch the retry job and its calls, judge its first dispatches, note it in the ledger."""
        intent = self.ledger.by_retry_job(retry_job_id)
        ws = workspace or (intent.workspace if intent else None)
        if ws is None:
            raise ValueError(f"retry job {retry_job_id} is not in this case's ledger: give its workspace")
        job = self.provider.get_job(ws, retry_job_id)
        calls = list(self.provider.iter_calls(ws, retry_job_id, max_items=job.plausible_attempts))
        verdict = judge_first_dispatches(
            job,
            calls,
            server_now=self.provider.server_now(),
            window=window,
            stall_threshold_s=stall_threshold_s,
            failure_threshold=failure_threshold,
        )
        if intent is not None:
            self.ledger.record_monitor(intent.key, verdict.model_dump(mode="json", exclude={"rows"}))
        return verdict
