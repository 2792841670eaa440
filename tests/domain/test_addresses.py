"""``is_loopback``: the one answer to "is this host this computer?" (profiles' plain http, the
simulator command's --host)."""

from __future__ import annotations

import pytest

from triage_gui.domain.addresses import is_loopback


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LocalHost",
        "localhost.",  # fully qualified
        "LOCALHOST.",
        "127.0.0.1",
        "127.1.2.3",  # all of 127.0.0.0/8
        "127.255.255.254",
        "::1",
        "[::1]",  # as written in a URL
        "0:0:0:0:0:0:0:1",
        "[0:0:0:0:0:0:0:1]",
        "::ffff:127.0.0.1",  # IPv4-mapped: loopback on every Python (3.11 alone says False)
        "[::ffff:127.0.0.1]",
    ],
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "0.0.0.0",  # every interface
        "::",
        "[::]",
        "128.0.0.1",
        "10.0.0.1",
        "192.168.1.10",
        "::2",
        "::ffff:10.0.0.1",
        "fe80::1",
        "example.com",
        "localhost.example.com",  # names are never resolved
        "my-localhost",
        "[127.0.0.1]",  # brackets are for IPv6 only
        "[::1",  # unbalanced brackets
        "::1]",
        "[localhost]",
        " 127.0.0.1",  # the text is judged as given: a bind would not strip it either
        "127.0.0.1.",  # not an address: a resolver would look this name up
    ],
)
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)
