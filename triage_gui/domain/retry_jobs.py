"""Which jobs are retries of a job: one rule for every provider and the retry service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from triage_gui.domain.models import BatchJob, Trigger
from triage_gui.domain.retry_cohort import CohortProblem, ProblemKind


def is_retry_of(job: BatchJob, parent: BatchJob) -> bool:
    """A child of ``parent``, or a retry-triggered job of the same campaign and upload (another
    tool's retry, or a retry of a retry)."""
    if job.id == parent.id:
        return False
    if job.parent_job_id == parent.id:
        return True
    return (
        job.trigger is Trigger.RETRY
        and job.campaign_id == parent.campaign_id
        and (job.upload_id or None) == (parent.upload_id or None)
    )


def unfinished_retry_problems(
    unfinished: Sequence[BatchJob], slots: Mapping[str, set[str]], cohort_ids: Iterable[str]
) -> list[CohortProblem]:
    """What unfinished retry jobs of a job mean for a new cohort of it (``slots``: retry job id ->
    the recipients known to be in it, from its attempts and any ledger).

    - Any unfinished one holds a new launch back (a written reason can lift this).
    - Nobody known to be in one goes into a second one (nothing lifts this).
    - One whose recipients are not all known yet (a queued retry job shows few attempts, and
      another workstation's ledger is not ours) holds every launch back until they are: the
      cohort cannot be shown to leave them out (nothing lifts this either).
    """
    if not unfinished:
        return []
    names = ", ".join(f"{j.id} ({j.status.value})" for j in unfinished)
    problems = [
        CohortProblem(
            kind=ProblemKind.RETRY_IN_PROGRESS,
            message=(
                f"An earlier retry of this job is not finished: {names}. Monitor it and wait until it ends;"
                " a new retry now could dial its recipients a second time."
            ),
        )
    ]
    wanted = set(cohort_ids)
    busy = set().union(*(slots.get(j.id, set()) for j in unfinished))
    overlap = sorted(busy & wanted)
    if overlap:
        problems.append(
            CohortProblem(
                kind=ProblemKind.IN_UNFINISHED_RETRY,
                message=(
                    f"{len(overlap)} recipient(s) of this cohort are in an unfinished retry job ({names}):"
                    " nobody is put in a second retry while the first may still dial them."
                ),
                recipient_ids=overlap,
            )
        )
    unseen = [j for j in unfinished if len(slots.get(j.id, set())) < j.counters.total]
    if unseen:
        counts = ", ".join(f"{j.id}: {len(slots.get(j.id, set()))} of {j.counters.total}" for j in unseen)
        problems.append(
            CohortProblem(
                kind=ProblemKind.UNFINISHED_RETRY_UNSEEN,
                message=(
                    f"Not every recipient of the unfinished retry job is known yet ({counts} seen), so no cohort"
                    " can be shown to leave them out: wait until it has dialled them all, or until it ends."
                ),
            )
        )
    return problems
