"""Our failure classification table: code first, then SIP status, then the Q.850 meaning."""

from __future__ import annotations

import pytest

from triage_gui.domain.classification import (
    PERMANENT_CODES,
    TRANSIENT_CODES,
    classify,
    classify_parts,
    policy_disagreements,
    policy_disagrees,
    server_disagrees,
)
from triage_gui.domain.models import Failure, RetryPolicy
from triage_gui.domain.report import FailureClass

T, P, U = FailureClass.TRANSIENT, FailureClass.PERMANENT, FailureClass.UNKNOWN


def test_the_table_holds_exactly_the_contract_codes() -> None:
    assert {
        "provider_timeout",
        "temporarily_unavailable",
        "rate_limited",
        "network_error",
        "busy",
        "no_answer",
    } == TRANSIENT_CODES
    assert {
        "invalid_number",
        "number_not_in_service",
        "do_not_call",
        "payload_invalid",
        "declined",
        "carrier_blocked",
    } == PERMANENT_CODES


@pytest.mark.parametrize("code", sorted(TRANSIENT_CODES))
def test_transient_codes(code: str) -> None:
    assert classify(Failure(code=code)) is T


@pytest.mark.parametrize("code", sorted(PERMANENT_CODES))
def test_permanent_codes(code: str) -> None:
    assert classify(Failure(code=code)) is P


def test_codes_are_matched_case_and_space_insensitively() -> None:
    assert classify(Failure(code=" Provider_Timeout ")) is T
    assert classify(Failure(code="INVALID_NUMBER")) is P


@pytest.mark.parametrize(
    ("code", "sip", "expected"),
    [
        ("busy", 404, T),  # the code wins over a SIP status that says otherwise
        ("invalid_number", 503, P),
        ("declined", 408, P),
    ],
)
def test_the_code_comes_before_the_sip_status(code: str, sip: int, expected: FailureClass) -> None:
    assert classify(Failure(code=code, sip_status=sip)) is expected


@pytest.mark.parametrize("sip", [408, 480, 486, 500, 502, 503, 504])
def test_sip_fallback_transient(sip: int) -> None:
    assert classify(Failure(code="carrier_hiccup", sip_status=sip)) is T


@pytest.mark.parametrize("sip", [400, 401, 403, 404, 410, 484, 488, 499, 600, 603, 604, 606, 699])
def test_sip_fallback_permanent_for_other_4xx_and_6xx(sip: int) -> None:
    assert classify(Failure(code="carrier_hiccup", sip_status=sip)) is P


@pytest.mark.parametrize("sip", [None, 200, 302, 501, 505, 513, 700])
def test_sip_fallback_unknown_otherwise(sip: int | None) -> None:
    assert classify(Failure(code="carrier_hiccup", sip_status=sip)) is U


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('Reason: Q.850;cause=17;text="User busy"', T),
        ("q850 cause 41", T),
        ("cause=102", T),
        ("Q.850;cause=1", P),
        ("cause: 28", P),
        ("Unallocated number", P),
        ("Call rejected by the far end", P),
        ("switching equipment congestion", T),
        ("No user responding", T),
        ("Q.850;cause=16 normal call clearing", U),  # says the call ended, not whether to retry
        ("something odd happened", U),
    ],
)
def test_q850_meaning_after_code_and_sip(message: str, expected: FailureClass) -> None:
    assert classify(Failure(code="carrier_hiccup", message=message)) is expected


def test_q850_meaning_in_the_code_itself() -> None:
    assert classify(Failure(code="user_busy")) is T
    assert classify(Failure(code="UNALLOCATED_NUMBER")) is P


def test_sip_status_comes_before_q850() -> None:
    assert classify(Failure(code="carrier_hiccup", sip_status=404, message="cause=17")) is P


def test_nothing_to_go_on_is_unknown() -> None:
    assert classify(None) is U
    assert classify(Failure(code="")) is U  # the model turns "" into "unknown"
    assert classify_parts(None, None, "") is U


@pytest.mark.parametrize(
    ("failure", "disagrees"),
    [
        (Failure(code="invalid_number", retryable=True), True),
        (Failure(code="provider_timeout", retryable=False), True),
        (Failure(code="provider_timeout", retryable=True), False),
        (Failure(code="do_not_call", retryable=False), False),
        (Failure(code="busy", retryable=None), False),  # a missing flag contradicts nothing
        (Failure(code="carrier_hiccup", retryable=True), False),  # we cannot say: no disagreement
        (Failure(code="carrier_hiccup", sip_status=503, retryable=False), True),
    ],
)
def test_server_disagrees(failure: Failure, disagrees: bool) -> None:
    assert server_disagrees(failure) is disagrees


def test_server_disagrees_with_nothing_when_there_is_no_failure() -> None:
    assert server_disagrees(None) is False


def test_policy_disagrees_on_transient_codes_it_does_not_retry() -> None:
    policy = RetryPolicy(max_attempts=3, retryable_codes=["provider_timeout", "busy"])
    assert policy_disagrees("no_answer", policy) is True
    assert policy_disagrees("busy", policy) is False
    assert policy_disagrees("invalid_number", policy) is False


def test_policy_disagrees_on_permanent_codes_it_retries() -> None:
    policy = RetryPolicy(max_attempts=3, retryable_codes=["Invalid_Number", "carrier_hiccup"])
    assert policy_disagrees("invalid_number", policy) is True
    assert policy_disagrees("carrier_hiccup", policy) is False  # not in our table: no opinion


def test_policy_disagreements_lists_every_code_both_ways() -> None:
    policy = RetryPolicy(
        max_attempts=3,
        retryable_codes=[
            "provider_timeout",
            "temporarily_unavailable",
            "rate_limited",
            "network_error",
            "busy",
            "declined",
        ],
    )
    assert policy_disagreements(policy) == {
        "declined": {"ours": "permanent", "policy": "retried"},
        "no_answer": {"ours": "transient", "policy": "not retried"},
    }
    assert policy_disagreements(RetryPolicy(retryable_codes=sorted(TRANSIENT_CODES))) == {}
