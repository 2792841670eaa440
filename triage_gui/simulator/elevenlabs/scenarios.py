"""The runbook's scenarios in ElevenLabs' shape, each with its ground truth.

Every scenario is one agent (its own id, so one scenario's calls are never another's noise) and
the batch to triage, built relative to the clock's start (``t0``). ``truth["cohort"]`` is the
platform's own view of who a targeted retry should dial: recipients whose latest call failed
for a temporary reason (busy, no answer, a temporary SIP status), that is over, who were never
reached in any call, and whose number nobody else in the batch reached. It is computed here
from the plan, not by the app's rules (this package imports nothing of the app).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from triage_gui.simulator.elevenlabs.model import Batch, Call, Inbound, Recipient

LARGE_SIZE = 10_000
TEMPORARY_SIP = frozenset({408, 480, 486, 500, 502, 503, 504})
_AREAS = ("212", "312", "415", "617", "646", "202", "305", "713")


@dataclass
class ScenarioInfo:
    name: str
    title: str
    batch_id: str
    agent_id: str
    truth: dict[str, Any] = field(default_factory=dict)
    workspace_id: str = "default"
    description: str = ""  # what a picker shows beside the title

    @property
    def job_id(self) -> str:
        return self.batch_id


@dataclass
class Built:
    info: ScenarioInfo
    batches: list[Batch]
    inbound: list[Inbound] = field(default_factory=list)


class _Numbers:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            exchange = self.rng.randint(200, 999)
            if exchange % 100 == 11:
                continue
            number = f"+1{self.rng.choice(_AREAS)}{exchange}{self.rng.randint(0, 9999):04d}"
            if number not in self.used:
                self.used.add(number)
                return number


def _call(cid: str, start: float | None, kind: str, rng: random.Random) -> Call:
    """One call of a kind: answered, busy, no_answer, voicemail, sip:NNN, error, answered_error."""
    if kind == "answered":
        return Call(cid, start, duration=rng.randint(60, 150))
    if kind in ("busy", "no_answer"):
        return Call(cid, start, result=kind, sip_code=486 if kind == "busy" else 480, call_successful="unknown")
    if kind == "voicemail":
        return Call(cid, start, result="voicemail", termination_reason="Voicemail detected", call_successful="unknown")
    if kind.startswith("sip:"):
        return Call(
            cid,
            start,
            result="failed",
            sip_code=int(kind[4:]),
            termination_reason="Call failed",
            call_successful="unknown",
        )
    if kind == "error":
        return Call(cid, start, result="failed", error=(1002, "Internal error while starting the call"))
    if kind == "answered_error":
        return Call(
            cid,
            start,
            duration=40,
            recipient_status="failed",
            conversation_status="failed",
            error=(1011, "The agent stopped responding"),
            termination_reason="Agent error",
            call_successful="failure",
        )
    raise ValueError(f"unknown call kind {kind!r}")


def _batch(
    key: str,
    name: str,
    t_created: float,
    kinds: list[str],
    rng: random.Random,
    numbers: list[str] | None = None,
    *,
    spacing: float = 60.0,
    first_after: float = 60.0,
    agent: str | None = None,
    batch_id: str | None = None,
    **options: Any,
) -> Batch:
    """A batch whose i-th recipient is called once, ``first_after + i * spacing`` after creation
    (kind ``never``: not called; ``no_conversation``: failed without a call)."""
    agent_id = agent or f"agent_{key}"
    batch = Batch(
        id=batch_id or f"btcal_{key}",
        name=name,
        agent_id=agent_id,
        agent_name=f"{key.replace('_', ' ').title()} agent",
        phone_number_id=f"phnum_{agent_id.removeprefix('agent_')}",
        created=t_created,
        scheduled=t_created,
        **options,
    )
    pool = _Numbers(rng)
    for i, kind in enumerate(kinds):
        number = numbers[i] if numbers is not None else pool.new()
        recipient = Recipient(
            id=f"{batch.id.removeprefix('btcal_')}_r{i:03d}",
            phone_number=number,
            created=t_created,
            user_id=f"cust-{key}-{i:03d}",
            variables={"customer_name": f"Customer {i}"},
        )
        start = t_created + first_after + i * spacing
        if kind == "never":
            recipient.calls.append(Call(f"conv_{recipient.id}_1", None))
        elif kind == "no_conversation":
            recipient.phone_number = number[:8]  # a number that cannot be dialled
            recipient.ended_without_call = ("failed", start)
        else:
            recipient.calls.append(_call(f"conv_{recipient.id}_1", start, kind, rng))
        batch.recipients.append(recipient)
    return batch


def cohort(batch: Batch, now: float) -> list[str]:
    """The platform's truth of who a targeted retry should dial (see the module's docstring)."""
    reached_numbers = {r.phone_number for r in batch.recipients if any(c.answered for c in r.calls)}
    out = []
    for recipient in batch.recipients:
        call = recipient.latest(now)
        if call is None or not recipient.final(now) or recipient.will_call(now):
            continue
        if any(c.answered and c.start is not None and c.start <= now for c in recipient.calls):
            continue
        temporary = call.result in ("busy", "no_answer") or (call.result == "failed" and call.sip_code in TEMPORARY_SIP)
        if temporary and recipient.phone_number not in reached_numbers:
            out.append(recipient.id)
    return sorted(out)


def _at(indexes: dict[str, set[int]], n: int, default: str = "answered") -> list[str]:
    kinds = [default] * n
    for kind, where in indexes.items():
        for i in where:
            kinds[i] = kind
    return kinds


def healthy(t0: float, rng: random.Random) -> Built:
    kinds = _at({"busy": {5}, "no_answer": {17}}, 60)
    batch = _batch("healthy", "Renewal reminders", t0 - 1800, kinds, rng, spacing=40, target_concurrency_limit=5)
    return Built(ScenarioInfo("healthy", "Dispatching normally", batch.id, batch.agent_id), [batch])


def completed(t0: float, rng: random.Random) -> Built:
    kinds = _at(
        {"busy": {3, 11, 27, 40}, "no_answer": {8, 33}, "voicemail": {15, 44}, "sip:486": {21}, "error": {36}}, 50
    )
    batch = _batch("completed", "Appointment confirmations", t0 - 3 * 3600, kinds, rng)
    return Built(ScenarioInfo("completed", "Completed with some failures", batch.id, batch.agent_id), [batch])


def stalled(t0: float, rng: random.Random) -> Built:
    kinds = _at({"busy": {6}, "never": set(range(15, 40))}, 40)
    batch = _batch("stalled", "Payment reminders", t0 - 2 * 3600, kinds, rng, spacing=120, touch_every=30)
    return Built(ScenarioInfo("stalled", "Stalled with recipients pending", batch.id, batch.agent_id), [batch])


def transient_storm(t0: float, rng: random.Random) -> Built:
    kinds = _at(
        {
            "busy": {i for i in range(50) if i % 5 == 1},
            "no_answer": {i for i in range(50) if i % 5 == 3},
            "sip:503": {4, 9, 14, 19, 24},
        },
        50,
    )
    batch = _batch("storm", "Delivery notices", t0 - 90 * 60, kinds, rng)
    info = ScenarioInfo("transient_storm", "Many temporary failures (carrier trouble)", batch.id, batch.agent_id)
    return Built(info, [batch])


def duplicate_run(t0: float, rng: random.Random) -> Built:
    pool = _Numbers(rng)
    numbers = [pool.new() for _ in range(30)]
    name = "Delivery reminders June"
    first = _batch(
        "dup_a", name, t0 - 1200, _at({}, 30), rng, numbers, spacing=45, agent="agent_dup", target_concurrency_limit=5
    )
    second = _batch(
        "dup_b",
        name,
        t0 - 1160,
        _at({"busy": {2}}, 30),
        rng,
        numbers,
        spacing=45,
        agent="agent_dup",
        target_concurrency_limit=5,
    )
    other = _batch("dup_other", "Survey follow-ups", t0 - 1500, _at({}, 20), rng, spacing=50, agent="agent_dup")
    old = _batch("dup_old", name, t0 - 26 * 3600, _at({}, 30), rng, numbers, agent="agent_dup")
    info = ScenarioInfo(
        "duplicate_run",
        "The same batch submitted twice",
        second.id,
        second.agent_id,
        {"duplicate_of": [first.id], "not_duplicates": [other.id, old.id]},
    )
    return Built(info, [old, other, first, second])


def invalid_numbers(t0: float, rng: random.Random) -> Built:
    kinds = _at(
        {
            "sip:404": {2, 5, 9, 13, 17, 21, 25, 29},
            "sip:484": {33, 36, 38},
            "no_conversation": {11, 23},
            "busy": {7},
        },
        40,
    )
    batch = _batch("invalid", "Lapsed customers", t0 - 70 * 60, kinds, rng)
    info = ScenarioInfo("invalid_numbers", "Many numbers do not exist", batch.id, batch.agent_id)
    return Built(info, [batch])


def duplicate_delivery(t0: float, rng: random.Random) -> Built:
    kinds = _at({"busy": {4, 12, 20}, "answered_error": {7, 16, 25}}, 30)
    batch = _batch("redial", "Order updates", t0 - 4 * 3600, kinds, rng, retry_count=1)
    retry_at = t0 - 2 * 3600  # someone pressed "retry" on the whole batch
    second = {4: "answered", 12: "answered", 20: "busy", 7: "answered", 16: "answered", 25: "answered"}
    for k, (i, kind) in enumerate(sorted(second.items())):
        recipient = batch.recipients[i]
        recipient.calls.append(_call(f"conv_{recipient.id}_2", retry_at + 30 + k * 60, kind, rng))
    inbound = [
        Inbound(f"conv_redial_in_{n}", batch.agent_id, t0 - 3 * 3600 + n * 600, batch.phone_number_id, "+12125550199")
        for n in range(5)
    ]
    info = ScenarioInfo(
        "duplicate_delivery",
        "Recipients reached twice after a whole-batch retry",
        batch.id,
        batch.agent_id,
        {"reached_twice": sorted(batch.recipients[i].id for i in (7, 16, 25))},
    )
    return Built(info, [batch], inbound)


def large_failures(t0: float, rng: random.Random, size: int = LARGE_SIZE) -> Built:
    """A big finished batch: ``size`` recipients, 30% of them failed, each failure with its
    conversation (busy, no answer, SIP 503 and 404): what a load reads one conversation at a time."""
    failed = size * 3 // 10
    kinds = ["answered"] * size
    mix = ("busy", "busy", "busy", "busy", "no_answer", "no_answer", "no_answer", "sip:503", "sip:503", "sip:404")
    for n, i in enumerate(sorted(rng.sample(range(size), failed))):
        kinds[i] = mix[n % len(mix)]
    spacing = min(60.0, 5000.0 / max(1, size))  # every call over well before the clock's start
    batch = _batch("large", "Annual renewals (large)", t0 - 3 * 3600, kinds, rng, spacing=spacing)
    info = ScenarioInfo(
        "large_failures",
        f"{size:,} recipients, {failed:,} failed",
        batch.id,
        batch.agent_id,
        {"failed": failed},
    )
    return Built(info, [batch])


SCENARIOS: dict[str, Callable[[float, random.Random], Built]] = {
    "healthy": healthy,
    "completed": completed,
    "stalled": stalled,
    "transient_storm": transient_storm,
    "duplicate_run": duplicate_run,
    "invalid_numbers": invalid_numbers,
    "duplicate_delivery": duplicate_delivery,
}


# Served only when asked for by name (benches, tests): too big for the demo's or a test's default set.
OPT_IN: dict[str, Callable[..., Built]] = {"large_failures": large_failures}

DESCRIPTIONS = {
    "healthy": "A batch calling its recipients steadily, a few busy or unanswered.",
    "completed": "A finished batch with a handful of busy, unanswered, voicemail and failed calls.",
    "stalled": "Recipients left pending for over an hour while the batch still says in progress.",
    "transient_storm": "Half the recipients failed busy, unanswered or SIP 503: the retry is held.",
    "duplicate_run": "The same recipients submitted twice within a minute by the same agent.",
    "invalid_numbers": "Many SIP 404 and 484 answers, and numbers that could not be dialled at all.",
    "duplicate_delivery": "A whole-batch retry called recipients the first run had already reached.",
    "large_failures": "A large finished batch with thousands of failed recipients, each with its conversation.",
}


def build(name: str, t0: float, seed: int, size: int | None = None) -> Built:
    """Scenario ``name`` (default or opt-in); ``size`` sets the recipients of an opt-in one."""
    rng = random.Random(f"{seed}:{name}")
    if name in OPT_IN:
        built = OPT_IN[name](t0, rng) if size is None else OPT_IN[name](t0, rng, size)
    else:
        built = SCENARIOS[name](t0, rng)
    built.info.description = built.info.description or DESCRIPTIONS.get(name, "")
    target = next(b for b in built.batches if b.id == built.info.batch_id)
    built.info.truth.setdefault("cohort", cohort(target, t0))
    built.info.truth.setdefault("recipients", len(target.recipients))
    return built
