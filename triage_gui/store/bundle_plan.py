"""Which files a diagnostics bundle holds, in order, and how each is made (the writer packs
them: :mod:`triage_gui.store.bundle_writer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from triage_gui.domain.escalation_form import build_form
from triage_gui.store import bundle_files as files
from triage_gui.store.bundle_redaction import BundleRedactor
from triage_gui.store.log_setup import LOG_TAIL_BYTES, log_tail

if TYPE_CHECKING:
    from triage_gui.store.bundle_writer import BundleInputs

_T = TypeVar("_T")

CHART_ESTIMATE = 60_000  # bytes: the preview's size of a chart not drawn yet (1200x600, a few lines)


@dataclass
class Entry:
    name: str
    description: str
    estimate: Callable[[], int]
    produce: Callable[[], str | bytes | Iterator[bytes]]  # blocks: a big text file, whole lines each
    kind: str = "text"  # text (redacted) | png (metadata stripped) | binary (as produced)


def omissions(inputs: BundleInputs, entries: list[Entry]) -> dict[str, str]:
    """What a reader might look for and not find, and why (the caller's reasons win)."""
    names = {e.name for e in entries}
    usual = {
        "form.pdf": "no PDF renderer in this context",
        "chart.png": "no progress chart was captured",
        "screenshots/": "no screenshot was attached",
        "upload_audit.json": "no upload audit (the job has no upload, or it could not be fetched)",
        "retry_cohort.csv": "no analysis report, so no retry cohort",
        "app.log": "no log lines for this case",
        "calls.jsonl": "no call attempts were fetched",
        "http_requests.jsonl": "no HTTP requests were recorded in this session",
    }
    missing = {n: why for n, why in usual.items() if not any(name.startswith(n) for name in names)}
    return missing | dict(inputs.omitted)


def entries(inputs: BundleInputs, rendered: dict[str, str], redactor: BundleRedactor | None) -> list[Entry]:
    """The bundle's files in order; ``redactor`` (None for the preview) masks the calls' numbers."""
    case, report = inputs.case, inputs.effective_report()
    shots = files.screenshot_members(inputs.screenshots)
    members = [member for member, _ in shots]
    if inputs.form is not None:
        form = files.form_for_bundle(inputs.form, [name for name, _ in inputs.screenshots], members)
    else:
        form = build_form(case, report, retries=case.retries, screenshots=members)
    snapshots = list(case.snapshots if inputs.snapshots is None else inputs.snapshots)
    case_doc = case.model_copy(update={"report": report, "snapshots": []})
    # the report's candidates are retry_cohort.csv's rows, unless that file holds another cohort
    keep_candidates = inputs.retry_cohort is not None
    out = [
        Entry(
            "case.json",
            "inputs, verdicts, findings, overrides, notes (snapshots: snapshots.jsonl"
            + ("" if keep_candidates else "; the retry plan's candidates and recipient ids: retry_cohort.csv")
            + ")",
            lambda: files.estimate_case(case_doc, candidates=keep_candidates),
            lambda: files.case_json(case_doc, candidates=keep_candidates),
        ),
        Entry("form.md", "the escalation form (Markdown)", lambda: len(form.to_markdown()), form.to_markdown),
        Entry(
            "form.html",
            "the escalation form (HTML, self-contained)",
            lambda: len(form.to_html()),
            lambda: form.to_html(image_src={m: m for m in members}),
        ),
    ]
    renderer = inputs.pdf_renderer
    if renderer is not None:
        out.append(
            Entry(
                "form.pdf",
                "the escalation form (PDF)",
                lambda: 40_000,
                lambda: renderer(rendered.get("form.html", "")),
                kind="binary",
            )
        )
    for path, png in shots:
        out.append(Entry(path, "screenshot (redacted by the agent)", _const(len(png)), _const(png), kind="png"))
    if inputs.chart_png:
        chart = inputs.chart_png
        if isinstance(chart, bytes):
            out.append(Entry("chart.png", "progress chart", _const(len(chart)), _const(chart), kind="png"))
        else:  # made when written, off the GUI thread
            out.append(Entry("chart.png", "progress chart", _const(CHART_ESTIMATE), chart, kind="png"))
    out.append(
        Entry(
            "snapshots.jsonl",
            "the job as seen over time, one snapshot per line",
            lambda: files.estimate_lines(snapshots),
            lambda: files.jsonl(snapshots),
        )
    )
    events = inputs.events  # not copied (17 ms at 1M): the caller's list is never changed in place
    out.append(
        Entry(
            "events.jsonl",
            "the job's events, oldest first",
            lambda: files.estimate_lines(events),
            lambda: files.jsonl_blocks(events),
        )
    )
    audit = inputs.contact_audit
    if audit is not None:
        out += [
            Entry(
                "upload_audit.json",
                "the upload audit result",
                lambda: len(audit.model_dump_json(indent=2)),
                lambda: audit.model_dump_json(indent=2),
            ),
            Entry(
                "upload_audit_invalid.csv",
                "rows with an invalid phone number",
                lambda: 40 + 40 * len(audit.invalid_rows),
                lambda: files.csv_text(
                    ["row", "raw", "reason"], [[r.row, r.raw, r.reason] for r in audit.invalid_rows], phone_columns={1}
                ),
            ),
            Entry(
                "upload_audit_duplicates.csv",
                "numbers that appear on more than one row",
                lambda: 30 + 40 * len(audit.duplicate_groups),
                lambda: files.csv_text(
                    ["e164", "rows", "extra_copies"],
                    [[g.e164, ";".join(map(str, g.rows)), len(g.rows) - 1] for g in audit.duplicate_groups],
                    phone_columns={0},
                ),
            ),
        ]
    candidates = files.cohort(inputs.retry_cohort, report)
    if candidates is not None:
        out.append(
            Entry(
                "retry_cohort.csv",
                "the proposed retry cohort, and who is left out and why",
                lambda: 60 + 70 * len(candidates),
                lambda: files.cohort_csv(candidates, report),
            )
        )
    if inputs.log_text:
        log_text = inputs.log_text
        out.append(
            Entry("app.log", "the app's own log (its last ~1 MB)", lambda: len(log_text.encode()), lambda: log_text)
        )
    elif inputs.log_file is not None and inputs.log_file.is_file():
        log_file = inputs.log_file  # read when written, on the writer's thread, not when previewed
        out.append(
            Entry(
                "app.log",
                "the app's own log (its last ~1 MB)",
                lambda: min(log_file.stat().st_size, LOG_TAIL_BYTES),
                lambda: log_tail(log_file),
            )
        )
    # The newer files come last, so the files before them are numbered as they always were.
    calls = list(inputs.calls)
    if calls:
        out.append(
            Entry(
                "calls.jsonl",
                "every call attempt: recipient, masked number, status, failure code, SIP, class, times",
                lambda: files.estimate_calls(calls),
                lambda: files.calls_jsonl_blocks(calls, _masker(redactor)),
            )
        )
    requests = list(inputs.http_requests)
    if requests:
        out.append(
            Entry(
                "http_requests.jsonl",
                "the app's recent HTTP requests: method, path, status, time taken, request ID",
                lambda: 40 + 170 * len(requests),
                lambda: files.requests_jsonl(requests),
            )
        )
    return out


def _masker(redactor: BundleRedactor | None) -> Callable[[str], str]:
    if redactor is None:
        raise AssertionError("the preview does not produce files")
    return redactor.mask_number


def _const(value: _T) -> Callable[[], _T]:
    return lambda: value
