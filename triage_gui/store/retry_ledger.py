"""The retry ledger of one case: every retry launch intent, written down before it is sent.

This file is what makes "never double-dial" survive a crash. The intent (its
``Idempotency-Key`` and exact request body) reaches the disk, fsynced, BEFORE the request
leaves; so whatever happens next (timeout, dropped connection, the app killed, the machine
rebooted) the next start finds a ``pending`` intent and re-sends the same key with the same
body, which the server answers with the job it created, if it did. An intent becomes
``failed`` only on a definite refusal (e.g. 422): a timeout or a 5xx says nothing about whether
the job exists, so the intent stays ``pending``.

Where: one ledger per (API base URL, workspace, job) on this machine (:func:`ledger_dir`), shared
by every case that opens that job and by ``triage-gui retry``: the two faces, and two cases of
the same job, see each other's intents. (Across workstations the server is the truth: the retry
service refuses a new launch while any retry job of the job is unfinished.)

One JSON file per ledger directory (``retries.json``), replaced atomically. Read-modify-write is
serialised by an OS file lock on ``retries.lock`` so two windows or processes on the same case
do not lose each other's entries; the OS releases the lock when a process dies, even killed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from triage_gui.domain.models import BatchJob
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.domain.vocabulary import ID_PATTERN
from triage_gui.store.paths import atomic_write_text

RETRIES_DIR = "retries"
LEDGER_FILE = "retries.json"
ADOPTED_SUFFIX = ".adopted"
LOCK_FILE = "retries.lock"
LEDGER_SCHEMA_VERSION = 1

__all__ = ["IntentState", "LedgerError", "RetryIntent", "RetryLedger"]  # the intent types moved to the domain


class LedgerError(Exception):
    """The ledger cannot be read or written; the message says what to do."""


def ledger_dir(data_dir: Path, base_url: str, workspace: str, job: str) -> Path:
    """The one place on this machine where the retries of (API, workspace, job) are recorded:
    ``<data dir>/retries/<host_port-hash of the base URL>/<workspace>/<job>``."""
    for value, what in ((workspace, "workspace ID"), (job, "job ID")):
        if not re.fullmatch(ID_PATTERN, value):
            raise LedgerError(f"invalid {what} {value[:80]!r}: no retry ledger can be named after it")
    return data_dir / RETRIES_DIR / api_slug(base_url) / workspace / job


def api_slug(base_url: str) -> str:
    """A folder name for an API base URL: readable host and port, and a hash of the whole URL
    (scheme, host, port, path; case and a trailing slash aside) so two APIs never share one."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "unknown").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    normal = f"{parts.scheme.lower()}://{host}:{port}{parts.path.rstrip('/')}"
    digest = hashlib.sha256(normal.encode("utf-8")).hexdigest()[:12]
    readable = re.sub(r"[^a-z0-9.-]+", "_", f"{host}_{port}")[:60]
    return f"{readable}-{digest}"


class RetryLedger:
    """The intents of one case directory. ``clock`` is injectable for tests."""

    def __init__(self, case_dir: Path | str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.case_dir = Path(case_dir)
        self.path = self.case_dir / LEDGER_FILE
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- reading ---------------------------------------------------------------------------
    def entries(self) -> list[RetryIntent]:
        """Every intent, oldest first."""
        return self._read()

    def get(self, key: str) -> RetryIntent | None:
        return next((e for e in self._read() if e.key == key), None)

    def pending(self, workspace: str | None = None, job: str | None = None) -> list[RetryIntent]:
        return [e for e in self._for(workspace, job) if e.state is IntentState.PENDING]

    def for_job(self, workspace: str, job: str) -> list[RetryIntent]:
        return self._for(workspace, job)

    def by_retry_job(self, retry_job_id: str) -> RetryIntent | None:
        return next((e for e in self._read() if e.retry_job_id == retry_job_id), None)

    def retried_recipients(self, workspace: str, job: str) -> dict[str, str]:
        """recipient id -> the retry that has it (job id, else key), pending or launched.

        Pending counts: its job may exist already, so its recipients must not go into a
        second cohort.
        """
        out: dict[str, str] = {}
        for entry in self._for(workspace, job):
            if entry.state is IntentState.FAILED:
                continue
            label = entry.retry_job_id or entry.key
            for rid in entry.recipient_ids:
                out.setdefault(rid, label)
        return out

    # -- writing ---------------------------------------------------------------------------
    def adopt(self, other_dir: Path) -> int:
        """Take in the intents of a ledger kept elsewhere (a case's own ledger, from before the
        ledger was shared per job) that this one lacks; the old file is renamed, not deleted.
        Returns how many were taken in."""
        other = RetryLedger(other_dir)
        if not other.path.is_file():
            return 0
        theirs = other.entries()
        with self._locked():
            entries = self._read()
            known = {e.key for e in entries}
            new = [e for e in theirs if e.key not in known]
            if new:
                self._write(sorted([*entries, *new], key=lambda e: e.created_at))
        try:
            other.path.replace(other.path.with_name(LEDGER_FILE + ADOPTED_SUFFIX))
        except OSError as exc:  # adopted all the same; next time it is read again, harmlessly
            raise LedgerError(f"cannot rename the adopted ledger {other.path}: {exc}") from None
        return len(new)

    def record_intent(
        self,
        key: str,
        *,
        workspace: str,
        job: str,
        recipient_ids: list[str],
        note: str = "",
        override_reason: str | None = None,
        overridden: list[str] | None = None,
        phase: str = "",
        server_time: datetime | None = None,
    ) -> RetryIntent:
        """Persist a new intent (durably) and return it; an existing key is returned unchanged.

        A key already recorded keeps its original body: re-sending it with another note would
        be a different request under the same key, which the server refuses (422).
        A ``failed`` intent is reopened as ``pending`` with the new body: the server created
        nothing for it.
        """
        with self._locked():
            entries = self._read()
            now = self._clock()
            for i, entry in enumerate(entries):
                if entry.key != key:
                    continue
                if entry.state is not IntentState.FAILED:
                    return entry
                reopened = entry.model_copy(
                    update=dict(
                        state=IntentState.PENDING,
                        note=note,
                        override_reason=override_reason,
                        overridden=list(overridden or []),
                        updated_at=now,
                        server_time_at_intent=server_time or now,
                        result="reopened after a refusal",
                    )
                )
                entries[i] = reopened
                self._write(entries)
                return reopened
            intent = RetryIntent(
                key=key,
                workspace=workspace,
                job=job,
                recipient_ids=sorted(set(recipient_ids)),
                note=note,
                override_reason=override_reason,
                overridden=list(overridden or []),
                phase=phase,
                created_at=now,
                updated_at=now,
                server_time_at_intent=server_time or now,
                result="intent recorded; not sent yet",
            )
            entries.append(intent)
            self._write(entries)
            return intent

    def record_sending(self, key: str) -> RetryIntent:
        """Counted before each send, so a crash right after still shows the request may be out."""
        return self._update(key, lambda e: {"sends": e.sends + 1, "last_sent_at": self._clock()})

    def now(self) -> datetime:
        """The ledger's clock (the one its times are written with)."""
        return self._clock()

    def record_launched(self, key: str, job: BatchJob | str, result: str = "launched") -> RetryIntent:
        job_id = job.id if isinstance(job, BatchJob) else job
        return self._update(key, lambda e: {"state": IntentState.LAUNCHED, "retry_job_id": job_id, "result": result})

    def record_failed(self, key: str, message: str) -> RetryIntent:
        """Only for a definite refusal: the server created no job for this key."""

        def change(entry: RetryIntent) -> dict[str, Any]:
            if entry.state is IntentState.LAUNCHED:
                raise LedgerError(f"retry {key} is already launched ({entry.retry_job_id}); it cannot fail now")
            return {"state": IntentState.FAILED, "result": message}

        return self._update(key, change)

    def record_unresolved(self, key: str, message: str) -> RetryIntent:
        """An ambiguous outcome: the intent stays pending with the reason noted."""
        return self._update(key, lambda e: {"result": message} if e.state is IntentState.PENDING else {})

    def record_monitor(self, key: str, verdict: dict[str, Any]) -> RetryIntent:
        return self._update(key, lambda e: {"monitor": verdict})

    # -- plumbing --------------------------------------------------------------------------
    def _for(self, workspace: str | None, job: str | None) -> list[RetryIntent]:
        return [
            e for e in self._read() if (workspace is None or e.workspace == workspace) and (job is None or e.job == job)
        ]

    def _update(self, key: str, change: Callable[[RetryIntent], dict[str, Any]]) -> RetryIntent:
        with self._locked():
            entries = self._read()
            for i, entry in enumerate(entries):
                if entry.key == key:
                    updates = change(entry)
                    if not updates:
                        return entry
                    entries[i] = entry.model_copy(update={**updates, "updated_at": self._clock()})
                    self._write(entries)
                    return entries[i]
        raise KeyError(f"no retry intent with key {key!r} in {self.path}")

    def _read(self) -> list[RetryIntent]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerError(f"cannot read the retry ledger {self.path}: {exc}") from None
        try:
            data = json.loads(text)
            if data.get("schema_version", 1) > LEDGER_SCHEMA_VERSION:
                raise LedgerError(
                    f"{self.path} was written by a newer version of the app; update before launching retries"
                )
            return [RetryIntent.model_validate(item) for item in data.get("entries", [])]
        except (json.JSONDecodeError, AttributeError, ValidationError) as exc:
            # Never start empty on a damaged file: that would forget pending intents and allow
            # a second launch. Launching stays refused until a human repairs or removes it.
            raise LedgerError(
                f"the retry ledger {self.path} is unreadable ({type(exc).__name__}): check it by hand "
                "(a pending retry may be recorded there) before launching another retry for this case"
            ) from None

    def _write(self, entries: list[RetryIntent]) -> None:
        payload = {
            "schema_version": LEDGER_SCHEMA_VERSION,
            "entries": [e.model_dump(mode="json") for e in entries],
        }
        try:
            atomic_write_text(self.path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise LedgerError(f"cannot write the retry ledger {self.path}: {exc}") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.case_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.case_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
