"""The scenario library: one runbook symptom each, in a stable order (the demo's picker order).

Building is lazy and per scenario (see :class:`ScenarioLibrary`): ids are known without
building, so a request for one job builds only that job's scenario.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from triage_gui.simulator import scenario_builders as b
from triage_gui.simulator.scenario_model import (
    BuildContext,
    BuiltScenario,
    ScenarioEntry,
    ScenarioInfo,
    ScenarioSpec,
)
from triage_gui.simulator.truth import job_truth

MAX_SIZE = 1_000_000  # a 1M-recipient job builds in ~20 s and ~1.3 GB (bench/million_bench.py)

_SPECS = (
    ScenarioSpec(
        "healthy",
        "Healthy run",
        "Running and dispatching steadily with free permits; a few % transient "
        "failures retried within max_attempts, a few permanent ones never retried.",
        2000,
        b.healthy,
    ),
    ScenarioSpec(
        "stalled",
        "Stalled job",
        "Running with work left and free permits, but nothing dispatched for 30 minutes: the counters never move.",
        1500,
        b.stalled,
    ),
    ScenarioSpec(
        "permit_starved",
        "Permit-starved dispatch",
        "Every permit is held by calls that never end; the queue waiting for a permit "
        "grows and permit_denied events pile up.",
        1200,
        b.permit_starved,
    ),
    ScenarioSpec(
        "transient_storm",
        "Transient failure storm",
        "A provider incident: most calls time out or get 503s; retried correctly, many "
        "recipients exhausted max_attempts.",
        1500,
        b.transient_storm,
    ),
    ScenarioSpec(
        "retry_loop",
        "Retry loop on invalid numbers",
        "invalid_number / number_not_in_service failures retried again and again, past max_attempts.",
        800,
        b.retry_loop,
    ),
    ScenarioSpec(
        "duplicate_run",
        "Duplicate job run",
        "Two overlapping jobs for the same campaign and upload, minutes apart, dialling the same recipients.",
        600,
        b.duplicate_run,
        related_job_ids=("job_duplicate_run_b",),
    ),
    ScenarioSpec(
        "duplicate_delivery",
        "Duplicate deliveries",
        "Some dispatch keys were delivered twice; others were caught by dedupe.",
        1000,
        b.duplicate_delivery,
    ),
    ScenarioSpec(
        "dirty_upload",
        "Dirty upload",
        "The contact file repeats numbers in other formats and has malformed cells; "
        "the job dialled what it could and completed.",
        500,
        b.dirty_upload,
    ),
    ScenarioSpec(
        "fewer_calls",
        "Far fewer calls than contacts",
        "Completed, but the job's total is far below the upload's row count: recipients were silently dropped.",
        1000,
        b.fewer_calls,
    ),
    ScenarioSpec(
        "completed",
        "Completed cleanly",
        "Finished with traceable success and failure counts; a few transient failures exhausted max_attempts.",
        800,
        b.completed,
    ),
    ScenarioSpec(
        "config_mismatch",
        "Job configuration mismatch",
        "The job dials from a different number than its campaign's.",
        900,
        b.config_mismatch,
    ),
    ScenarioSpec(
        "retry_stalled",
        "Stalled retry job",
        "A completed job's retry (trigger retry) is running but has dispatched nothing for 30 minutes.",
        900,
        b.retry_stalled,
        related_job_ids=("job_retry_stalled_r1",),
    ),
)

SCENARIOS: Mapping[str, ScenarioSpec] = {spec.name: spec for spec in _SPECS}


class ScenarioLibrary:
    """The selected scenarios of one simulator, built on first use (thread-safe)."""

    def __init__(
        self,
        names: Iterable[str] | None,
        sizes: Mapping[str, int] | None,
        seed: int,
        start: float,
        workspace_id: str,
    ) -> None:
        chosen = list(SCENARIOS) if names is None else list(dict.fromkeys(names))
        unknown = [n for n in chosen if n not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        sizes = dict(sizes or {})
        for name, size in sizes.items():
            if name not in SCENARIOS:
                raise ValueError(f"size given for unknown scenario {name!r}")
            if not 1 <= size <= MAX_SIZE:
                raise ValueError(f"size of {name!r} must be 1..{MAX_SIZE}")
        self.names = [n for n in SCENARIOS if n in chosen]  # library order, not caller's
        self._sizes = sizes
        self._seed = seed
        self._start = start
        self._workspace_id = workspace_id
        self._built: dict[str, BuiltScenario] = {}
        self._info: dict[str, ScenarioInfo] = {}
        self._lock = threading.Lock()
        self.job_owner = {job_id: n for n in self.names for job_id in SCENARIOS[n].job_ids}
        self.campaign_owner = {SCENARIOS[n].campaign_id: n for n in self.names}
        self.upload_owner = {SCENARIOS[n].upload_id: n for n in self.names}

    def built(self, name: str) -> BuiltScenario:
        with self._lock:
            scenario = self._built.get(name)
            if scenario is None:
                spec = SCENARIOS[name]
                context = BuildContext(
                    name,
                    self._start,
                    self._sizes.get(name, spec.default_size),
                    self._seed,
                    self._workspace_id,
                )
                scenario = spec.build(context)
                self._built[name] = scenario
            return scenario

    def entry(self, name: str) -> ScenarioEntry:
        """Name, words and IDs, from the library alone: nothing is built."""
        if name not in self.names:
            raise KeyError(f"scenario {name!r} is not running in this simulator")
        spec = SCENARIOS[name]
        return ScenarioEntry(
            name=name,
            title=spec.title,
            description=spec.description,
            workspace_id=self._workspace_id,
            campaign_id=spec.campaign_id,
            upload_id=spec.upload_id,
            job_id=spec.job_id,
        )

    def info(self, name: str) -> ScenarioInfo:
        entry = self.entry(name)  # KeyError for a scenario not running here
        with self._lock:
            cached = self._info.get(name)
        if cached is not None:
            return cached
        built = self.built(name)
        spec = SCENARIOS[name]
        truth = job_truth(built.jobs[0], built.upload, self._start)
        truth.update(built.extra_truth)
        info = ScenarioInfo(**vars(entry), related_job_ids=spec.related_job_ids, truth=truth)
        with self._lock:
            self._info[name] = info
        return info
