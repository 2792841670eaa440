"""Logging for the app: rotating files in the user log dir, scrubbed before anything is written.

Every handler we install (the rotating file and stderr) carries one :class:`ScrubFilter`. A
filter on a *handler* sees every record that reaches it, including records propagated from
any library's logger, which a filter on a logger would not. The filter rewrites the record
itself (message, exception text, stack), using :class:`triage_gui.domain.redaction.Redactor`:
bearer tokens, ``Authorization`` values, every secret registered at runtime (the credential
store registers each token it sees; ``TRIAGE_API_TOKEN`` is registered at set-up) and,
unless turned off, phone numbers.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from io import TextIOWrapper
from pathlib import Path
from typing import TextIO

from triage_gui.domain.redaction import Redactor
from triage_gui.store.paths import TOKEN_ENV, AppPaths

LOG_FILE_MAX_BYTES = 1_000_000
LOG_FILE_BACKUPS = 5
LOG_TAIL_BYTES = 1_000_000  # what a diagnostics bundle takes of the log (log_tail)
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_OWNED = "_outbound_triage_handler"  # marks handlers setup_logging installed


class ScrubFilter(logging.Filter):
    """Redacts secrets and phone numbers from each record; never drops a record."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or Redactor()
        # Records come from worker threads too, and the redactor's pseudonym table is shared.
        self._lock = threading.Lock()
        self._formatter = logging.Formatter()

    def add_secret(self, secret: str) -> None:
        with self._lock:
            self._redactor.add_secret(secret)

    def redact(self, text: str) -> str:
        with self._lock:
            return self._redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        # One record passes through several handlers; scrubbing it once is enough.
        if getattr(record, "_scrubbed_by", None) is self:
            return True
        with self._lock:
            redact = self._redactor.redact
            try:
                message = record.getMessage()
            except Exception:
                message = f"{record.msg!s} (log arguments did not match: {record.args!r})"
            record.msg, record.args = redact(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = self._formatter.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        record._scrubbed_by = self
        return True


class _ScrubbedErrorsMixin:
    """When a handler itself fails (disk full, closed stream), the stdlib prints the current
    exception *with its context* to stderr: the context may be the very exception being
    logged, unscrubbed. We print one scrubbed line instead."""

    scrub: ScrubFilter

    def handleError(self, record: logging.LogRecord) -> None:
        if not logging.raiseExceptions or sys.stderr is None:
            return
        error = sys.exc_info()[1]
        what = self.scrub.redact(f"{type(error).__name__}: {error}") if error else "unknown"
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"--- Logging error in {type(self).__name__}: {what} ---\n")


class _StderrHandler(_ScrubbedErrorsMixin, logging.StreamHandler[TextIO]):
    pass


class _PrivateRotatingFileHandler(_ScrubbedErrorsMixin, logging.handlers.RotatingFileHandler):
    """Log files readable by their owner only, including each file rotation starts."""

    def _open(self) -> TextIOWrapper:
        stream = super()._open()
        # a file system without permissions (FAT, some shares): nothing to tighten
        with contextlib.suppress(OSError):
            os.chmod(self.baseFilename, 0o600)
        return stream


@dataclass
class LoggingSetup:
    """What :func:`setup_logging` installed: register secrets with it, close it in tests."""

    scrub: ScrubFilter
    log_file: Path
    handlers: list[logging.Handler] = field(default_factory=list)

    def add_secret(self, secret: str) -> None:
        self.scrub.add_secret(secret)

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers.clear()


def setup_logging(
    paths: AppPaths,
    level: str | int = "INFO",
    *,
    mask_phones: bool = True,
    stderr: bool = True,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoggingSetup:
    """Install the scrubbed file (and stderr) handlers on the root logger; calling it again
    replaces what an earlier call installed. ``stream`` replaces stderr (tests)."""
    env = os.environ if environ is None else environ
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWNED, False)]:
        root.removeHandler(handler)
        handler.close()

    scrub = ScrubFilter(Redactor(mask_phones=mask_phones))
    env_token = env.get(TOKEN_ENV, "")
    if env_token.strip():
        scrub.add_secret(env_token)

    formatter = logging.Formatter(LOG_FORMAT)
    log_file = paths.log_file
    handlers: list[_StderrHandler | _PrivateRotatingFileHandler] = [
        _PrivateRotatingFileHandler(
            log_file, maxBytes=LOG_FILE_MAX_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )
    ]
    if stderr:
        handlers.append(_StderrHandler(stream if stream is not None else sys.stderr))
    for handler in handlers:
        handler.scrub = scrub
        handler.addFilter(scrub)
        handler.setFormatter(formatter)
        setattr(handler, _OWNED, True)
        root.addHandler(handler)

    root.setLevel(_level_number(level))
    # httpcore traces every socket operation at DEBUG: noise, whatever the app's level.
    logging.getLogger("httpcore").setLevel(max(root.level, logging.INFO))
    # httpx logs every request at INFO: every page of every poll would flood the log (and push
    # out the warnings engineers need); our client logs what matters itself.
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))
    return LoggingSetup(scrub, log_file, list(handlers))


def setup_cli_logging(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> LoggingSetup:
    """The command line's log: warnings and errors on stderr, scrubbed like the app's; no file.
    Without it a library's warning would reach stderr raw through logging's last resort."""
    env = os.environ if environ is None else environ
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWNED, False)]:
        root.removeHandler(handler)
        handler.close()
    scrub = ScrubFilter(Redactor(mask_phones=True))
    if env.get(TOKEN_ENV, "").strip():
        scrub.add_secret(env[TOKEN_ENV])
    handler = _StderrHandler(stream if stream is not None else sys.stderr)
    handler.scrub = scrub
    handler.addFilter(scrub)
    handler.setFormatter(logging.Formatter("triage-gui: %(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    setattr(handler, _OWNED, True)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    return LoggingSetup(scrub, Path(os.devnull), [handler])


def register_secret(secret: str) -> None:
    """Scrub this secret from whatever the installed handlers (app or command line) write."""
    for handler in logging.getLogger().handlers:
        scrub = getattr(handler, "scrub", None)
        if isinstance(scrub, ScrubFilter):
            scrub.add_secret(secret)


def log_tail(log_file: Path, max_bytes: int = LOG_TAIL_BYTES) -> str:
    """The app's own log, its last ``max_bytes`` or so, oldest line first, across the rotated
    files (``app.log.5`` ... ``app.log``); whole lines only. The files were scrubbed as they
    were written; a caller that hands the text on scrubs it again (the bundle does)."""
    rotated = sorted(log_file.parent.glob(log_file.name + ".*"), key=_rotation_number)
    chunks: list[bytes] = []
    size = 0
    for path in [log_file, *rotated]:  # newest first
        if size >= max_bytes:
            break
        try:
            with open(path, "rb") as handle:
                length = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, length - (max_bytes - size)))
                data = handle.read()
        except OSError:
            continue
        if len(data) < length:  # cut inside the file: drop the partial first line
            data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
        chunks.append(data)
        size += len(data)
    text = b"".join(reversed([c if c.endswith(b"\n") or not c else c + b"\n" for c in chunks]))
    return text.decode("utf-8", errors="replace")


def _rotation_number(path: Path) -> int:
    suffix = path.name.rsplit(".", 1)[-1]
    return int(suffix) if suffix.isdigit() else 1_000_000


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(str(level).strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level '{level}'; use DEBUG, INFO, WARNING or ERROR")
    return number
