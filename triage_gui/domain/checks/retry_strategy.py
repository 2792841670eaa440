"""Runbook check 4: determine retry strategy.

Fails when transient failures exceed the Level 3 threshold (retrying into a provider incident
does not help); warns when permanent failures are most of the failures (a mass retry would be
wrong), when the server's ``retryable`` flag or the job's retry policy disagrees with our
classification, and when failures cannot be classified; passes when a safe targeted plan
exists or nothing needs a retry.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks._common import (
    call_history,
    calls_missing,
    finding,
    percent,
    plural,
    result,
    sample,
    table,
)
from triage_gui.domain.classification import classify, policy_disagreements, server_disagrees
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import CallStatus
from triage_gui.domain.report import FailureClass, RetryPlan
from triage_gui.domain.retry_planning import plan_retry
from triage_gui.domain.vocabulary import CheckId, Verdict


def run(
    data: IncidentData,
    settings: AnalysisSettings,
    *,
    history: CallHistory | None = None,
    plan: RetryPlan | None = None,
) -> CheckResult:
    history = call_history(data, history)
    findings = [*_policy(data)]
    missing = calls_missing(data)
    if missing:
        findings.append(
            finding(
                "retry_strategy_unknown",
                Verdict.UNKNOWN,
                f"Could not classify failures or plan a retry: {missing}.",
                {},
            )
        )
        return result(CheckId.RETRY_STRATEGY, findings)
    plan = plan if plan is not None else plan_retry(data, settings, history=history)
    findings += [
        _transient_share(history, settings),
        *_permanent_dominates(history),
        *_unclassified(history),
        _server_flag(data),
        _plan(plan),
    ]
    return result(CheckId.RETRY_STRATEGY, findings)


def _transient_share(history: CallHistory, settings: AnalysisSettings) -> Finding:
    share, transient, base = history.transient_share()
    codes = Counter(
        r.latest.failure.code if r.latest.failure else "unknown"
        for r in history.recipients.values()
        if r.latest_failed and r.latest_class is FailureClass.TRANSIENT
    )
    evidence: dict[str, Any] = {
        "share": None if share is None else round(share, 4),
        "threshold": settings.transient_threshold,
        "transient_recipients": transient,
        "recipients_with_finished_attempt": base,
        "by_code": dict(codes.most_common()),
    }
    if share is None:
        return finding(
            "transient_share_unknown",
            Verdict.UNKNOWN,
            "No recipient has a finished attempt yet: the transient share cannot be measured.",
            evidence,
        )
    words = (
        f"{transient} of {base} recipients with a finished attempt ({percent(share)}) last failed "
        f"transiently; threshold {percent(settings.transient_threshold)}"
    )
    if share > settings.transient_threshold:
        return finding(
            "transient_above_threshold",
            Verdict.FAIL,
            f"Provider or dispatch failures exceed the transient threshold: {words}.",
            evidence,
        )
    return finding(
        "transient_within_threshold",
        Verdict.PASS,
        f"Transient failures are within bounds: {words}.",
        evidence,
    )


def _permanent_dominates(history: CallHistory) -> list[Finding]:
    by_class = history.latest_failure_classes()
    failed = sum(by_class.values())
    permanent = by_class[FailureClass.PERMANENT.value]
    evidence = {"failed_recipients": failed, "by_class": by_class}
    if failed and permanent * 2 > failed:
        codes = Counter(
            r.latest.failure.code if r.latest.failure else "unknown"
            for r in history.recipients.values()
            if r.latest_failed and r.latest_class is FailureClass.PERMANENT
        )
        evidence["permanent_by_code"] = dict(codes.most_common())
        return [
            finding(
                "permanent_failures_dominate",
                Verdict.WARN,
                f"Permanent failures are most of the failures ({permanent} of {failed}): do not mass-retry; "
                "fix the contact data instead.",
                evidence,
            )
        ]
    return []


def _unclassified(history: CallHistory) -> list[Finding]:
    unknown = sorted(
        r.recipient_id
        for r in history.recipients.values()
        if r.latest_failed and r.latest_class is FailureClass.UNKNOWN
    )
    if not unknown:
        return []
    rows = []
    for recipient_id in unknown[:200]:
        latest = history.recipients[recipient_id].latest
        failure = latest.failure
        rows.append(
            [
                recipient_id,
                failure.code if failure else None,
                failure.sip_status if failure else None,
                failure.message if failure else "",
            ]
        )
    return [
        finding(
            "unknown_failure_class",
            Verdict.WARN,
            f"{plural(len(unknown), 'recipient')} failed with a failure this app cannot classify: never retried "
            "automatically, a human should look.",
            {"recipients": len(unknown), "sample_ids": sample(unknown)},
            table(["recipient_id", "code", "sip_status", "message"], rows, len(unknown)),
        )
    ]


def _server_flag(data: IncidentData) -> Finding:
    disagreements: Counter[tuple[str, bool, str]] = Counter()
    missing_flag = failed = 0
    for call in data.calls:
        if call.status is not CallStatus.FAILED or call.failure is None:
            continue
        failed += 1
        if call.failure.retryable is None:
            missing_flag += 1
        elif server_disagrees(call.failure):
            disagreements[(call.failure.code, call.failure.retryable, classify(call.failure).value)] += 1
    evidence: dict[str, Any] = {"failed_attempts": failed, "flag_missing": missing_flag}
    if disagreements:
        rows = [[code, flag, ours, count] for (code, flag, ours), count in sorted(disagreements.items())]
        evidence["disagreeing_attempts"] = sum(disagreements.values())
        return finding(
            "server_flag_disagrees",
            Verdict.WARN,
            f"The server's retryable flag contradicts our classification on "
            f"{plural(sum(disagreements.values()), 'failed attempt')}; our classification is used.",
            evidence,
            table(["code", "server retryable", "our class", "attempts"], rows),
        )
    return finding(
        "server_flag_agrees",
        Verdict.PASS,
        f"The server's retryable flag agrees with our classification "
        f"({missing_flag} of {failed} failed attempts carry no flag).",
        evidence,
    )


def _policy(data: IncidentData) -> list[Finding]:
    policy = data.job.retry_policy
    differing = policy_disagreements(policy)
    evidence: dict[str, Any] = {
        "retryable_codes": list(policy.retryable_codes),
        "max_attempts": policy.max_attempts,
    }
    if differing:
        evidence["disagreements"] = differing
        words = ", ".join(f"{code} ({d['ours']}, policy: {d['policy']})" for code, d in differing.items())
        return [
            finding(
                "policy_disagrees",
                Verdict.WARN,
                f"The job's retry policy disagrees with the classification on: {words}.",
                evidence,
            )
        ]
    return [
        finding(
            "policy_agrees",
            Verdict.PASS,
            "The job's retry policy retries exactly the transient failure codes.",
            evidence,
        )
    ]


def _plan(plan: RetryPlan) -> Finding:
    evidence: dict[str, Any] = {
        "planned": len(plan.recipient_ids),
        "sample": len(plan.sample_ids),
        "sample_ids": plan.sample_ids,
        "excluded": plan.excluded,
        "hold": plan.hold,
    }
    if plan.hold:
        return finding(
            "retry_plan_on_hold",
            Verdict.WARN,
            f"A targeted retry of {plural(len(plan.recipient_ids), 'recipient')} is computed but on "
            f"hold: {plan.hold_reason}.",
            evidence,
        )
    if not plan.recipient_ids:
        excluded = sum(plan.excluded.values())
        tail = f" ({excluded} failed recipients excluded: {_reasons(plan)})" if excluded else ""
        return finding(
            "nothing_to_retry",
            Verdict.PASS,
            f"No recipient needs a targeted retry{tail}.",
            evidence,
        )
    remainder = len(plan.recipient_ids) - len(plan.sample_ids)
    then = f", then the remaining {remainder}" if remainder else ""
    left_out = f"; excluded: {_reasons(plan)}" if plan.excluded else ""
    return finding(
        "targeted_retry_plan",
        Verdict.PASS,
        f"A safe targeted retry exists: {plural(len(plan.recipient_ids), 'recipient')} whose latest attempt "
        f"failed transiently; start with a sample of {len(plan.sample_ids)}{then}{left_out}.",
        evidence,
    )


def _reasons(plan: RetryPlan) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in plan.excluded.items())
