"""The provider seam: the one protocol through which the rest of the app reads a platform.

A provider maps one platform's API onto the domain model (``BatchJob``, ``CallAttempt``,
``JobEvent``, ``IncidentData``) and nothing more: no files, no keyring, no Qt. The services
(incident loading, the retry orchestration, bundle assembly) and, through them, the wizard and
the command line know only this protocol; a connection profile names its provider.

What a platform cannot show is said, not guessed: ``blind_spots`` lists it in plain words, and the
checks that need it answer ``unknown``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar, runtime_checkable

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, CallAttempt, JobEvent

ProgressCallback = Callable[[str], None]


class FetchCancelled(Exception):
    """The caller asked to stop (window closed, new case loaded)."""


class UploadAuditFailed(Exception):
    """The upload's content could not be audited (bad encoding, no phone column...): the message
    says why; the incident is still loaded, without the audit."""


# Audits the upload's content, given its lines, the default phone region and a source label.
# The services pass one (it reads CSV, which is the store's business); None: no audit.
UploadAuditor = Callable[[Iterator[str], str | None, str], ContactAuditResult]


@dataclass
class IncidentRequest:
    """What to load for one incident. ``None`` fields default to what the job itself says."""

    workspace_id: str
    job_id: str
    campaign_id: str | None = None  # default: the job's own
    upload_id: str | None = None  # default: the job's, else the campaign's
    region: str | None = None  # default region for numbers without "+" (None: from-number's)
    audit_upload: bool = True
    snapshots: list[JobSnapshot] = field(default_factory=list)  # earlier snapshots (watch window)
    max_calls: int | None = 2_000_000
    max_related_jobs: int = 1_000


@dataclass(frozen=True)
class LaunchResult:
    """A retry launch's answer: the retry job, and whether this request created it (False: the
    platform already had it for this idempotency key)."""

    job: BatchJob
    created: bool


@runtime_checkable
class Provider(Protocol):
    """One platform account, open for reading (and for targeted retries). Methods block: call
    them off the GUI thread. Errors are :mod:`triage_gui.providers.errors` types."""

    kind: str  # "batch_v1", ...
    blind_spots: tuple[str, ...]  # what this platform cannot show, in plain words
    # True where a launch carries an idempotency key the server honours, so the same launch may
    # be sent again after an unclear failure; False (ElevenLabs): one send per run, then look-ups
    launch_is_keyed: bool

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    @property
    def knows_server_clock(self) -> bool: ...

    def server_now(self) -> datetime:
        """The server's clock as last seen (the workstation's until the first answer)."""
        ...

    def fetch_incident(
        self,
        request: IncidentRequest,
        *,
        audit_upload: UploadAuditor | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IncidentData:
        """The job (errors propagate) and everything around it (errors recorded in ``missing``)."""
        ...

    def get_job(self, workspace_id: str, job_id: str) -> BatchJob:
        """One snapshot of a job (the poller's read)."""
        ...

    def iter_events(
        self, workspace_id: str, job_id: str, *, after: int | None = None, stop_after: int | None = None
    ) -> Iterator[JobEvent]:
        """The job's events after ``after`` (oldest first), the first ``stop_after`` of them."""
        ...

    def iter_calls(self, workspace_id: str, job_id: str, *, max_items: int | None = None) -> Iterator[CallAttempt]:
        """Every attempt of the job. ``max_items`` is a plausibility bound (e.g. the job's
        ``plausible_attempts``): past it the read fails (a contract error), it never returns part."""
        ...

    def retry_jobs(
        self, workspace_id: str, parent: BatchJob, *, created_after: datetime | None = None
    ) -> list[BatchJob]:
        """Every retry job of ``parent`` the platform shows: its children, and retry-triggered jobs
        of the same campaign and upload (another tool's), oldest first."""
        ...

    def launch_retry(
        self, workspace_id: str, job_id: str, recipient_ids: list[str], *, key: str, note: str = ""
    ) -> LaunchResult:
        """Launch a targeted retry of these recipients. ``key`` names the intent: the same key
        must never make a second job (an idempotency key, or the platform's equivalent). A
        provider re-sends this request after an ambiguous failure only where the platform
        guarantees that the same key cannot make a second job."""
        ...


class _Client(Protocol):
    def close(self) -> None: ...

    def server_now(self) -> datetime: ...

    @property
    def knows_server_clock(self) -> bool: ...


ClientT = TypeVar("ClientT", bound=_Client)


class ClientProvider(Generic[ClientT]):
    """What every provider over one platform client shares: closing it, and its server's clock."""

    launch_is_keyed = False  # a provider says True only where its server honours the key

    def __init__(self, client: ClientT) -> None:
        self.client = client

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def knows_server_clock(self) -> bool:
        return self.client.knows_server_clock

    def server_now(self) -> datetime:
        return self.client.server_now()
