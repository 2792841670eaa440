"""Network addresses: is a host this computer?

One answer for the whole app: the profiles allow plain ``http://`` only to this computer, and the
``simulator`` command (a well-known token, no TLS) listens only there unless told otherwise.
Pure: it looks at the text only and never resolves a name, so ``localhost`` is the one name
accepted (``localhost.`` too, the same name written fully qualified).
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for ``localhost``, an IPv4 address in 127.0.0.0/8, ``::1`` and an IPv4-mapped IPv6
    loopback (``::ffff:127.0.0.1``); an IPv6 address may come in URL brackets (``[::1]``).
    Case does not matter. Anything else, including a name that would resolve to loopback, is
    False."""
    text = host.lower()
    bracketed = text.startswith("[") and text.endswith("]")
    if bracketed:
        text = text[1:-1]
    elif text.removesuffix(".") == "localhost":  # "localhost.": the name fully qualified
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if bracketed and not isinstance(address, ipaddress.IPv6Address):
        return False  # brackets hold an IPv6 address only
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # Python 3.13 answers this itself; 3.11 and 3.12 say False for ::ffff:127.0.0.1.
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
