"""Is an API token something that can be sent as ``Authorization: Bearer <token>``?

A token pasted with a line break, a space or a non-ASCII character cannot go into an HTTP
header: sent anyway, the HTTP library refuses it with an error that quotes the header (the
token with it), and the client reports a network failure after retrying. So the token is
checked where it enters (profile dialog, keyring, ``TRIAGE_API_TOKEN``, the client itself),
and the message says what is wrong without ever quoting it.

Pure: no I/O. Allowed: visible ASCII (0x21-0x7E), 1 to 4096 characters.
"""

from __future__ import annotations

MAX_TOKEN_LENGTH = 4096

_NAMES = {
    "\n": "a line break",
    "\r": "a line break",
    "\t": "a tab",
    " ": "a space",
    "\x7f": "a control character",
}


def check_token(token: str) -> None:
    """Raise ``ValueError`` (a message without the token) if ``token`` cannot be sent."""
    if not isinstance(token, str):
        raise ValueError("The API token must be text.")
    if not token:
        raise ValueError("The API token is empty.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError(f"The API token is too long ({len(token):,} characters; at most {MAX_TOKEN_LENGTH:,}).")
    for position, ch in enumerate(token, start=1):
        if not 0x21 <= ord(ch) <= 0x7E:
            what = _NAMES.get(ch) or ("a control character" if ord(ch) < 0x20 else "a non-ASCII character")
            raise ValueError(
                f"The API token contains {what} (character {position} of {len(token)}), which cannot be sent "
                "in an HTTP header. Paste the token again, without spaces or line breaks."
            )
