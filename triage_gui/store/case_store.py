"""Cases on disk: one versioned JSON file per case, saved so that no crash loses one.

Layout: ``<data dir>/cases/<case_id>.json`` and, beside it, ``<case_id>.json.prev``: the
previous good version. A save first makes the current file the ``.prev`` (a hard link renamed
into place, so the current file never disappears; a plain rename where the file system has no
hard links) and then replaces the current file atomically (temp file, fsync, rename). A kill at
any moment therefore leaves the new version, or the current one, or (between the two renames
of the fallback) only the ``.prev``: the last good version always loads.

Files the app cannot use are never deleted: a corrupt file, or one written by a newer app
(``schema_version`` above ours), is renamed ``NAME.bad-STAMP`` with a message that says where
it went. Leftover temp files of an interrupted save hold nothing the two good copies lack and
are removed once they are old.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from triage_gui.domain.case import CASE_SCHEMA_VERSION, Case
from triage_gui.store.paths import AppPaths, atomic_write_text, set_aside

CASES_DIR = "cases"
_CASE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_STALE_TEMP_S = 600.0  # an interrupted save's temp file; a live save takes milliseconds


class CaseStoreError(Exception):
    """A case cannot be opened; the message says why and where the file was kept."""


@dataclass(frozen=True)
class LoadedCase:
    case: Case
    from_backup: bool = False  # the latest save was unusable: this is the previous version
    message: str = ""  # for the agent, when something was recovered or set aside


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    title: str = ""
    job: str = ""
    updated_at: datetime | None = None
    closed: bool = False
    problem: str = ""  # empty when the case opens normally
    openable: bool = True


class CaseStore:
    def __init__(self, paths: AppPaths, *, clock: Callable[[], datetime] | None = None) -> None:
        self._paths = paths
        self._clock = clock or (lambda: datetime.now(UTC))
        self._written: dict[str, tuple[int, int, int]] = {}

    @property
    def directory(self) -> Path:
        directory = self._paths.data_dir / CASES_DIR
        directory.mkdir(mode=0o700, exist_ok=True)
        return directory

    def path_of(self, case_id: str) -> Path:
        if not _CASE_ID.match(case_id):
            raise CaseStoreError(f"not a case ID: {case_id!r}")
        return self.directory / f"{case_id}.json"

    # -- saving ----------------------------------------------------------------------------
    def save(self, case: Case) -> Path:
        path = self.path_of(case.case_id)
        text = case.model_dump_json(indent=1)
        if path.exists():
            if self._is_ours(path) or _inspect(path)[0] is not None:
                _keep_as_previous(path, _prev(path))
            else:
                set_aside(path, self._stamp())  # never let a bad file become the fallback
        atomic_write_text(path, text)
        self._written[case.case_id] = _signature(path)
        return path

    def _is_ours(self, path: Path) -> bool:
        """This store wrote the file and nothing changed it since: no need to re-read it."""
        known = self._written.get(path.name[: -len(".json")])
        return known is not None and known == _signature(path)

    # -- loading ---------------------------------------------------------------------------
    def load(self, case_id: str) -> LoadedCase:
        """The case, from its latest save or else its previous one (the message says so)."""
        path = self.path_of(case_id)
        prev = _prev(path)
        notes: list[str] = []
        if path.exists():
            try:
                return LoadedCase(_read(path))
            except CaseStoreError as exc:
                kept = set_aside(path, self._stamp())
                notes.append(f"{exc} It was kept aside as {kept.name}.")
        if prev.exists():
            try:
                case = _read(prev)
            except CaseStoreError as exc:
                kept = set_aside(prev, self._stamp())
                notes.append(f"The previous version cannot be used either: {exc} It was kept aside as {kept.name}.")
            else:
                if notes:
                    message = notes[0] + " The previous version was opened instead."
                else:
                    message = "The latest save was interrupted; the previous version was opened."
                return LoadedCase(case, from_backup=True, message=message)
        if notes:
            raise CaseStoreError(" ".join(notes))
        raise CaseStoreError(f"there is no case {case_id!r}")

    def summaries(self) -> list[CaseSummary]:
        """Every case, newest first. Files that cannot be opened at all are set aside (once)
        and listed with ``openable=False`` and the message."""
        self._remove_stale_temps()
        ids = {p.name[: -len(".json")] for p in self.directory.glob("*.json")}
        ids |= {p.name[: -len(".json.prev")] for p in self.directory.glob("*.json.prev")}
        summaries = [self._summary(case_id) for case_id in ids if _CASE_ID.match(case_id)]
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(summaries, key=lambda s: (s.updated_at or oldest, s.case_id), reverse=True)

    def unfinished(self) -> list[CaseSummary]:
        """Cases to offer for recovery on start: not closed, and openable."""
        return [s for s in self.summaries() if not s.closed and s.openable]

    def duplicate(self, case_id: str) -> Case:
        """A copy with a new ID, open again, saved; the original is untouched."""
        original = self.load(case_id).case
        now = self._clock()
        copy = original.model_copy(deep=True)
        fresh = Case(created_at=now, updated_at=now)
        copy.case_id, copy.created_at, copy.updated_at, copy.closed = fresh.case_id, now, now, False
        copy.title = f"Copy of {original.title}" if original.title else f"Copy of case {original.case_id}"
        self.save(copy)
        return copy

    def delete(self, case_id: str) -> None:
        """The agent's deliberate delete: the case and its previous version."""
        path = self.path_of(case_id)
        for target in (path, _prev(path)):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()

    # -- helpers ---------------------------------------------------------------------------
    def _summary(self, case_id: str) -> CaseSummary:
        path = self.path_of(case_id)
        prev = _prev(path)
        data, main_trouble = _inspect(path)
        if data is not None:
            return _summarise(case_id, data, "")
        prev_data, prev_trouble = _inspect(prev)
        if prev_data is not None:
            if main_trouble:
                problem = f"{main_trouble} The previous version will be opened."
            else:
                problem = "The latest save was interrupted; the previous version will be opened."
            return _summarise(case_id, prev_data, problem)
        # Nothing usable: keep the files aside so the message is shown once, not on every start.
        kept = [set_aside(p, self._stamp()).name for p in (path, prev) if p.exists()]
        reason = main_trouble or prev_trouble or "The case cannot be read."
        where = f" Kept aside as {', '.join(kept)}." if kept else ""
        return CaseSummary(case_id, problem=reason + where, openable=False)

    def _remove_stale_temps(self) -> None:
        now = self._clock().timestamp()
        for tmp in self.directory.glob(".*.json.*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > _STALE_TEMP_S:
                    tmp.unlink()

    def _stamp(self) -> str:
        return self._clock().strftime("%Y%m%dT%H%M%S")


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _prev(path: Path) -> Path:
    return path.with_name(path.name + ".prev")


def _keep_as_previous(path: Path, prev: Path) -> None:
    link = path.with_name(f".{path.name}.link.tmp")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    try:
        os.link(path, link)
    except OSError:
        os.replace(path, prev)  # no hard links (e.g. FAT): the .prev alone covers the gap
        return
    os.replace(link, prev)


def _raw(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CaseStoreError(f"The case file {path.name} is damaged ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("schema_version"), int):
        raise CaseStoreError(f"The case file {path.name} is not a case.")
    version = data["schema_version"]
    if version > CASE_SCHEMA_VERSION:
        raise CaseStoreError(
            f"The case file {path.name} was saved by a newer version of Outbound Triage (case "
            f"format {version}; this version reads up to {CASE_SCHEMA_VERSION}): update the app to open it."
        )
    return data


def _read(path: Path) -> Case:
    data = _raw(path)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseStoreError(f"The case file {path.name} is damaged ({exc.error_count()} invalid fields).") from None


def _inspect(path: Path) -> tuple[dict[str, object] | None, str | None]:
    """The file's raw data when it holds a usable case, else None and what is wrong (None: absent)."""
    if not path.exists():
        return None, None
    try:
        data = _raw(path)
        Case.model_validate(data)
    except CaseStoreError as exc:
        return None, str(exc)
    except ValidationError as exc:
        return None, f"The case file {path.name} is damaged ({exc.error_count()} invalid fields)."
    return data, None


def _summarise(case_id: str, data: dict[str, object], problem: str) -> CaseSummary:
    """The list's row from a file's raw data (which :func:`_inspect` found to be a valid case)."""
    updated = data.get("updated_at")
    inputs = data.get("inputs")
    return CaseSummary(
        case_id=case_id,
        title=str(data.get("title") or ""),
        job=str((inputs.get("job_id") if isinstance(inputs, dict) else None) or ""),
        updated_at=datetime.fromisoformat(updated.replace("Z", "+00:00")) if isinstance(updated, str) else None,
        closed=bool(data.get("closed")),
        problem=problem,
    )


class SaveDebounce:
    """When the autosaver should write: after ``quiet_s`` without a change, but never more than
    ``max_wait_s`` after the first unsaved change (a steady stream of snapshots would otherwise
    postpone the save forever). Times are monotonic seconds passed in; the UI's timer asks."""

    def __init__(self, quiet_s: float = 2.0, max_wait_s: float = 15.0) -> None:
        self.quiet_s, self.max_wait_s = quiet_s, max_wait_s
        self._first: float | None = None
        self._last: float | None = None

    @property
    def pending(self) -> bool:
        return self._first is not None

    def changed(self, now: float) -> None:
        if self._first is None:
            self._first = now
        self._last = now

    def due_at(self) -> float | None:
        """The moment the save should run, or None when nothing is unsaved."""
        if self._first is None or self._last is None:
            return None
        return min(self._last + self.quiet_s, self._first + self.max_wait_s)

    def is_due(self, now: float) -> bool:
        due = self.due_at()
        return due is not None and now >= due

    def saved(self) -> None:
        self._first = self._last = None
