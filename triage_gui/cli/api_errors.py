"""What a failed API call means on the command line: an exit code, and a message on stderr.

``check`` and ``retry`` give the same code for the same failure (their docstrings list them):
3 authentication or access refused, 4 not found, 5 the server could not be reached or failed,
6 the server's answer broke the API contract. The message is the error's own plain words.

The hostile-server errors (docs/failure-modes.md) map through their base classes: a redirect,
an answer over the size cap, a list past its bounds and an answer about something else than
was asked are ``InvalidResponse`` (6); an overall deadline passed is a ``NetworkError`` (5).
Messages are already cleaned of control characters and capped by ``providers.errors``.
"""

from __future__ import annotations

import sys

from triage_gui.providers.errors import ApiError, AuthError, InvalidResponse, NotFound

EXIT_AUTH, EXIT_NOT_FOUND, EXIT_NETWORK, EXIT_INVALID = 3, 4, 5, 6


def exit_code(error: ApiError) -> int:
    if isinstance(error, AuthError):  # a 403 (ForbiddenError) too: access refused
        return EXIT_AUTH
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, InvalidResponse):
        return EXIT_INVALID
    return EXIT_NETWORK  # unreachable, failing, rate-limiting or refusing the request


def fail(command: str, message: str, code: int) -> int:
    """Say on stderr why ``triage-gui COMMAND`` stops; returns ``code`` for it to return."""
    print(f"triage-gui {command}: {message}", file=sys.stderr)
    return code


def api_failure(command: str, error: ApiError) -> int:
    return fail(command, str(error), exit_code(error))
