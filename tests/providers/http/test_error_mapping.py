"""Transport failures in plain words with units; the library's raw text kept as the error's note."""

from __future__ import annotations

import httpx
import pytest

from triage_gui.domain.plain_errors import plain_os_error
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.errors import NetworkError
from triage_gui.providers.http.error_mapping import network_error, raw_detail
from triage_gui.providers.http.retry_policy import RetryConfig

WHAT = "GET /v1/workspaces/ws_demo"


def test_nothing_answering_is_said_in_plain_words_and_the_raw_text_is_kept():
    error = network_error(httpx.ConnectError("[Errno 111] Connection refused"), WHAT, "http://127.0.0.1:8080")
    assert str(error) == "Cannot connect: nothing answered at 127.0.0.1:8080 (connection refused)."
    assert "Errno" not in str(error) and error.transient
    assert raw_detail(error) == "ConnectError: [Errno 111] Connection refused"


def test_a_real_refused_connection(sleeps):
    with (
        BatchApiClient("http://127.0.0.1:9", "t", sleep=sleeps, retry=RetryConfig(attempts=1)) as client,
        pytest.raises(NetworkError) as err,
    ):
        client.get_workspace("ws_demo")
    assert "nothing answered at 127.0.0.1:9 (connection refused)" in str(err.value)
    assert "[Errno" not in str(err.value) and "[Errno" in raw_detail(err.value)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("[Errno -2] Name or service not known", "the name api.example.com could not be found (DNS lookup failed)"),
        ("[Errno 113] No route to host", "no route to host"),
        ("[Errno 101] Network is unreachable", "network unreachable"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "certificate is not trusted"),
        ("All connection attempts failed", "no address of that name answered"),
    ],
)
def test_connect_failures_name_the_cause_without_codes(raw, words):
    error = network_error(httpx.ConnectError(raw), WHAT, "https://api.example.com/v1")
    assert words in str(error) and "Errno" not in str(error) and "SSL:" not in str(error)
    assert raw in raw_detail(error)


def test_timeouts_say_the_limit_in_seconds():
    request = httpx.Request("GET", "http://x", extensions={"timeout": {"connect": 5.0, "read": 10.0}})
    read = network_error(httpx.ReadTimeout("timed out", request=request), WHAT, "http://127.0.0.1:8080")
    assert str(read) == f"127.0.0.1:8080 did not answer {WHAT} within 10 s." and read.timeout
    connect = network_error(httpx.ConnectTimeout("timed out", request=request), WHAT, "http://127.0.0.1:8080")
    assert str(connect) == "Cannot connect to 127.0.0.1:8080: it did not accept the connection within 5 s."
    assert raw_detail(connect) == "ConnectTimeout: timed out"


def test_a_reset_connection_and_an_unknown_failure():
    reset = network_error(httpx.ReadError("[Errno 104] Connection reset by peer"), WHAT, "https://api.example.com")
    assert str(reset) == (
        f"The connection to api.example.com broke during {WHAT}: "
        "the other side closed the connection abruptly (connection reset)."
    )
    other = network_error(httpx.ReadError("[Errno 5] Input/output error"), WHAT, "https://api.example.com")
    assert str(other).endswith(": input/output error.")


def test_plain_os_error_keeps_unknown_words_without_the_number():
    assert plain_os_error("[Errno 111] Connection refused") == "nothing answered there (connection refused)"
    assert plain_os_error("[Errno 9999] Something odd") == "something odd"
    assert plain_os_error("no number here") == "no number here"
    assert plain_os_error("") == "unknown error"
