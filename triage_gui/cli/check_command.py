"""``triage-gui check``: the runbook's checks on one job, headless, from the same engine as the GUI.

Read-only (it never sends a POST). Exit codes: 0 it ran (whatever the verdicts); 2 usage,
credentials or bad input; 3 authentication or access refused; 4 not found; 5 the server could
not be reached or failed; 6 the server's answer broke the API contract.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from triage_gui.cli.api_errors import api_failure, fail
from triage_gui.cli.connection_args import ConnectionArgsError, add_connection_args, resolve_connection
from triage_gui.domain.incident import AnalysisSettings, JobSnapshot
from triage_gui.providers.errors import ApiError

if TYPE_CHECKING:
    from triage_gui.domain.incident import IncidentData
    from triage_gui.domain.report import Report
    from triage_gui.providers.base import Provider

EXIT_OK, EXIT_USAGE = 0, 2  # 3 to 6: a failed API call (see cli.api_errors)

_fail = partial(fail, "check")  # the command's own errors; a failed API call: api_failure


def configure(parser: argparse.ArgumentParser) -> None:
    add_connection_args(parser)
    parser.add_argument("--job", required=True, help="batch job ID (elevenlabs: the batch id, btcal_...)")
    parser.add_argument("--campaign", help="campaign ID (default: the job's)")
    parser.add_argument("--upload", help="upload ID (default: the job's, else the campaign's)")
    parser.add_argument(
        "--watch",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="watch the job this long before judging (stall over a window of snapshots)",
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="poll interval while watching (default 5)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    parser.add_argument("--candidates", action="store_true", help="with --json: include every retry candidate and why")
    parser.add_argument("--region", help="default phone region for numbers without '+' (e.g. GB)")
    parser.add_argument(
        "--stall-threshold", type=float, metavar="MINUTES", help="no dispatch for this long is a stall (default 10)"
    )
    parser.add_argument(
        "--transient-threshold", type=float, metavar="PERCENT", help="Level 3 transient-failure share (default 20)"
    )
    parser.add_argument("--sample", type=int, metavar="N", help="size of the first retry cohort, 10–20 (default 10)")
    parser.add_argument("--bundle", metavar="OUT.zip", help="also write a redacted diagnostics bundle for escalation")
    parser.add_argument(
        "--screenshot", metavar="PNG", help="with --bundle: a screenshot to include (metadata stripped)"
    )


def analysis_settings(args: argparse.Namespace, base: AnalysisSettings) -> AnalysisSettings:
    update: dict[str, object] = {}
    if args.stall_threshold is not None:
        update["stall_threshold_s"] = args.stall_threshold * 60
    if args.transient_threshold is not None:
        update["transient_threshold"] = args.transient_threshold / 100
    if args.sample is not None:
        update["sample_size"] = args.sample
    if args.region:
        update["default_region"] = args.region.upper()
    return AnalysisSettings.model_validate({**base.model_dump(), **update})


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from triage_gui.domain.analysis import analyse
    from triage_gui.domain.report_text import report_as_text
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident

    # As the app's Load does: the fetch and the analysis allocate a million small objects that
    # make no reference cycles, and each full collection they trigger walks all of them (~1.6 s
    # of a 100k-recipient check). Paused, counted, and resumed whatever happens.
    from triage_gui.ui.tasks.gc_policy import paused_collection

    try:
        resolved = resolve_connection(args)
        settings = analysis_settings(args, resolved.settings)
    except ConnectionArgsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except ValidationError as exc:
        return _fail(f"invalid option: {exc.errors()[0]['msg']}", EXIT_USAGE)
    # One pause for the fetch and the analysis (not the --watch before them: its polls' garbage
    # is collected as usual). What they made is kept to the end of the command, so it is frozen
    # (out of the collector's sight) before collection resumes: else the first allocation after
    # the pause walks all of it (over a second at 1M recipients).
    with contextlib.ExitStack() as paused:
        try:
            with resolved.connection.open_provider() as provider:
                snapshots = _watch(provider, resolved.workspace, args) if args.watch > 0 else []
                request = FetchRequest(
                    workspace_id=resolved.workspace,
                    job_id=args.job,
                    campaign_id=args.campaign,
                    upload_id=args.upload,
                    region=settings.default_region,
                    snapshots=snapshots,
                )
                paused.enter_context(paused_collection(freeze=True))
                data = fetch_incident(provider, request, progress=_progress(args))
        except ValueError as exc:  # a bad ID, before any request
            return _fail(str(exc), EXIT_USAGE)
        except ApiError as exc:
            return api_failure("check", exc)
        for what, why in data.missing.items():
            print(f"warning: could not fetch {what}: {why}", file=sys.stderr)
        report = analyse(data, settings)
    if args.bundle:
        code = _write_bundle(args, data, report, resolved.connection.token, resolved.connection.provider)
        if code:
            return code
    if args.json:
        exclude = None if args.candidates else {"retry_plan": {"candidates"}}
        payload = report.model_dump(mode="json", exclude=exclude)
        payload["counts"]["processed"] = report.counts.processed
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report_as_text(report))
    return EXIT_OK


def _write_bundle(args: argparse.Namespace, data: IncidentData, report: Report, token: str, provider: str) -> int:
    from pathlib import Path

    from triage_gui.services.bundle_assembly import write_check_bundle
    from triage_gui.store.bundle_writer import BundleError

    screenshot = None
    if args.screenshot:
        try:
            screenshot = Path(args.screenshot).read_bytes()
        except OSError as exc:
            return _fail(f"cannot read the screenshot {args.screenshot}: {exc.strerror or exc}", EXIT_USAGE)
        if not screenshot.startswith(b"\x89PNG\r\n\x1a\n"):
            return _fail(f"{args.screenshot} is not a PNG image", EXIT_USAGE)
    try:
        result = write_check_bundle(
            args.bundle, data, report, token=token, screenshot_png=screenshot, provider=provider
        )
    except BundleError as exc:
        return _fail(str(exc), EXIT_USAGE)
    print(f"bundle written: {result.path} ({result.size:,} bytes, {len(result.files)} files)", file=sys.stderr)
    return 0


def _watch(provider: Provider, workspace: str, args: argparse.Namespace) -> list[JobSnapshot]:
    """Collect snapshots for ``--watch`` seconds (stall judged over the window)."""
    snapshots: list[JobSnapshot] = []
    deadline = time.monotonic() + args.watch
    pause = threading.Event()
    while True:
        job = provider.get_job(workspace, args.job)
        snapshots.append(JobSnapshot(at=provider.server_now(), job=job))
        print(
            f"watch: {job.status.value}, processed {job.counters.processed:,}/{job.counters.total:,}",
            file=sys.stderr,
        )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return snapshots
        pause.wait(min(max(args.interval, 0.2), remaining))


def _progress(args: argparse.Namespace) -> Callable[[str], None] | None:
    if args.json or not sys.stderr.isatty():
        return None
    return lambda message: print(message, file=sys.stderr)
