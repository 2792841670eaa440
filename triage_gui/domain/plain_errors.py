"""Operating-system error texts in plain words: "[Errno 111] Connection refused" is "nothing
answered (connection refused)". The raw text is the caller's to keep (a tooltip, a copy button,
the log): what an agent reads on screen carries no error numbers.

Pure text; used wherever such a text reaches a person (HTTP connection failures, the keyring).
"""

from __future__ import annotations

import errno
import re

# "[Errno 111] Connection refused", "[WinError 10061] No connection could be made…",
# "[Errno -2] Name or service not known" (a socket.gaierror), with any prefix before it.
_CODED = re.compile(r"\[(?:Errno|WinError) (-?\d+)\]\s*")

# Plain words by errno name (the number differs by platform; the name does not).
_BY_NAME = {
    "ECONNREFUSED": "nothing answered there (connection refused)",
    "WSAECONNREFUSED": "nothing answered there (connection refused)",
    "ETIMEDOUT": "the connection attempt got no answer (timed out)",
    "EHOSTUNREACH": "that host cannot be reached from this computer (no route to host)",
    "ENETUNREACH": "this computer has no network route there (network unreachable)",
    "ECONNRESET": "the other side closed the connection abruptly (connection reset)",
    "ECONNABORTED": "the connection was aborted on this computer",
    "EPIPE": "the other side closed the connection (broken pipe)",
    "EADDRNOTAVAIL": "that address is not available on this computer",
    "ENOENT": "a file or socket it needs does not exist",
    "EACCES": "permission denied",
    "EPERM": "permission denied",
}
_WINDOWS = {
    10061: "WSAECONNREFUSED",
    10060: "ETIMEDOUT",
    10065: "EHOSTUNREACH",
    10051: "ENETUNREACH",
    10054: "ECONNRESET",
}

# Texts recognised without a number (or whatever the number).
_BY_TEXT = (
    (
        (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "name resolution",
            "no address associated",
        ),
        "that name could not be found (DNS lookup failed)",
    ),
    (("connection refused", "actively refused"), "nothing answered there (connection refused)"),
    (
        ("certificate_verify_failed", "certificate verify failed"),
        "the secure (TLS) connection failed: the server's certificate is not trusted",
    ),
    (
        ("wrong_version_number", "wrong version number"),
        "the secure (TLS) connection failed: the server does not speak TLS there (http:// rather than https://?)",
    ),
    (("all connection attempts failed",), "no address of that name answered"),
    (("timed out",), "the connection attempt got no answer (timed out)"),
    (("connection reset",), "the other side closed the connection abruptly (connection reset)"),
)


def plain_os_error(text: str) -> str:
    """``text`` (an OS or socket error as Python words it) in plain words, without error numbers.

    Unknown texts lose only their "[Errno N]" prefix; an empty text says "unknown error"."""
    raw = text.strip()
    lowered = raw.lower()
    for needles, words in _BY_TEXT:
        if any(n in lowered for n in needles):
            return words
    coded = _CODED.search(raw)
    if coded is not None:
        number = int(coded.group(1))
        name = _WINDOWS.get(number) or errno.errorcode.get(number, "")
        if name in _BY_NAME:
            return _BY_NAME[name]
        rest = _CODED.sub("", raw).strip()
        return (rest[:1].lower() + rest[1:]) if rest else "an error of the operating system"
    return raw or "unknown error"
