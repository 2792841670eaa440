"""A token that cannot be a header value is refused when the client is made, never echoed."""

from __future__ import annotations

import pytest
from hostile_data import JOB, TOKEN, WS
from hostile_server import HostileServer

from triage_gui.domain.token_check import MAX_TOKEN_LENGTH, check_token
from triage_gui.providers.batch_v1.client import BatchApiClient

SECRET = "tok_S3cr3tValue"


@pytest.mark.parametrize(
    ("token", "words"),
    [
        (f"{SECRET}\n", "a line break"),
        (f"{SECRET}\r\nX-Evil: 1", "a line break"),
        (f"{SECRET} more", "a space"),
        (f"\t{SECRET}", "a tab"),
        (f"{SECRET}\x00", "a control character"),
        (f"{SECRET}\x7f", "a control character"),
        (f"{SECRET}é", "a non-ASCII character"),
        (f"{SECRET}\u200b", "a non-ASCII character"),
        ("", "empty"),
        ("a" * (MAX_TOKEN_LENGTH + 1), "too long"),
    ],
)
def test_check_token_refuses_without_quoting_the_token(token, words):
    with pytest.raises(ValueError) as err:
        check_token(token)
    assert words in str(err.value)
    assert SECRET not in str(err.value) and "aaaa" not in str(err.value)


@pytest.mark.parametrize("token", ["t", TOKEN, "a" * MAX_TOKEN_LENGTH, "".join(chr(c) for c in range(0x21, 0x7F))])
def test_check_token_accepts_visible_ascii(token):
    check_token(token)


def test_the_client_refuses_an_illegal_token_before_any_request(hostile: HostileServer):
    with pytest.raises(ValueError, match="a line break") as err:
        BatchApiClient(hostile.base_url, f"{SECRET}\nmore")
    assert SECRET not in str(err.value)
    assert hostile.requests == []


def test_an_illegal_idempotency_key_is_refused_before_sending(hostile, make_client):
    with pytest.raises(ValueError, match="visible ASCII"):
        make_client().create_retry(WS, JOB, ["rcp_1"], idempotency_key="key\nX-Evil: 1")
    assert hostile.requests == []
