"""``triage-gui check`` against a hostile server, with the app's DEFAULT limits: time and memory.

Issue 12's bar: for each hostile answer (bombs, drips, endless cursors, repeated ids, absurd
``Retry-After``/``Date``, redirects) ``check`` ends within 100 s and 400 MB, with the documented
exit code, and never prints a level computed from cut or repeated data. The tests prove the
behaviour with small limits (fast); this measures it with the limits an agent actually runs with.

Each case is one child (``python -m bench.hostile_bench --child CASE URL``) running the real
``check --json`` entry point in-process against the hostile test server that this parent runs
on 127.0.0.1 (``tests/providers/hostile_server.py``). The child reports its exit code, whether
stdout held a report, and its own peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Callable
from typing import Any

from bench.common import REPO_ROOT, Row, emit_result, print_table, run_child, verdict

sys.path.insert(0, str(REPO_ROOT / "tests" / "providers"))  # the hostile server and its incident

TIME_TARGET_S = 100.0
PEAK_TARGET_MB = 400.0
MB = 1024 * 1024

# case -> (what it is, the exit code the README documents for it, whether a report is expected)
CASES: dict[str, tuple[str, int, bool]] = {
    "huge_body": ("a 200 MB job answer", 6, False),
    "gzip_bomb": ("a gzip bomb: 200 KB that inflates to 200 MB", 6, False),
    "drip_body": ("the job's body one byte every 5 s", 5, False),
    "drip_headers": ("the status line and headers one byte every 5 s", 5, False),
    "endless_cursors": ("endless fresh cursors, 500 new calls each", 6, False),
    "endless_empty": ("endless empty pages with a next cursor", 6, False),
    "repeated_ids": ("a page repeating every call", 0, True),
    "retry_after_nan": ("429 with Retry-After: nan, then the job", 0, True),
    "retry_after_huge": ("429 with Retry-After: 999999 (11 days)", 5, False),
    "date_1990": ("every answer dated 1990", 0, True),
    "date_2100": ("every answer dated 2100", 0, True),
    "redirect": ("a redirect to another origin", 6, False),
    "ansi_detail": ("a 404 with ANSI escapes in a 2 MB detail", 4, False),
}


def _arrange(server: Any, case: str) -> None:
    import hostile_data as data  # type: ignore[import-not-found]  # tests/providers, put on sys.path above
    import hostile_server as hs  # type: ignore[import-not-found]

    def dated(date: str) -> Callable[[Any], None]:
        answers = data.default_answers()

        def behave(x: Any) -> None:
            body, kind = answers[x.path]
            hs.answer(body, content_type=kind, date=date)(x)

        return behave

    job, calls = data.JOB_PATH, data.CALLS_PATH
    routes: dict[str, tuple[str, Any, int | None]] = {
        "huge_body": (job, hs.huge_body(200 * MB), None),
        "gzip_bomb": (job, hs.gzip_bomb(200 * MB), None),
        "drip_body": (job, hs.drip(interval_s=5.0), None),
        "drip_headers": (job, hs.drip_headers(interval_s=5.0), None),
        "endless_cursors": (calls, hs.endless_pages(per_page=500), None),
        "endless_empty": (calls, hs.empty_pages(), None),
        "repeated_ids": (calls, hs.pages(*[[data.call_body(1), data.call_body(2)]] * 5), None),
        "retry_after_nan": (job, hs.problem(429, headers=[("Retry-After", "nan")]), 1),
        "retry_after_huge": (job, hs.problem(429, headers=[("Retry-After", "999999")]), None),
        "date_1990": ("^/v1/.*", dated("Mon, 01 Jan 1990 00:00:00 GMT"), None),
        "date_2100": ("^/v1/.*", dated("Fri, 01 Jan 2100 00:00:00 GMT"), None),
        "redirect": (job, hs.redirect("https://login.example/sso?session=abc"), None),
        "ansi_detail": (job, hs.problem(404, detail="\x1b[31mgone\x1b[0m " + "x" * (2 * MB)), None),
    }
    path, behaviour, times = routes[case]
    server.route(path, behaviour, times=times)


def child(args: list[str]) -> None:
    """In the child: the real ``check --json`` against the hostile server at ``url``."""
    import os

    import hostile_data as data

    from triage_gui.cli.main import main

    case, url = args
    os.environ["TRIAGE_API_TOKEN"] = data.TOKEN
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--base-url", url, "--workspace", data.WS, "--job", data.JOB, "--json"])
    report = json.loads(out.getvalue()) if out.getvalue().strip() else None
    findings = {f["id"] for c in (report or {}).get("checks", []) for f in c["findings"]}
    emit_result(
        {
            "case": case,
            "exit_code": code,
            "report": report is not None,
            "level": report["escalation"]["level"] if report else None,
            "findings": sorted(findings),
            "stderr_lines": len([line for line in err.getvalue().splitlines() if line.strip()]),
            "traceback": "Traceback" in err.getvalue(),
            "stderr_tail": err.getvalue()[-300:],
        }
    )


def run(quick: bool = False) -> list[dict[str, object]]:
    import hostile_server as hs

    rows: list[dict[str, object]] = []
    for case, (what, expected_code, expect_report) in CASES.items():
        with hs.HostileServer(max_seconds=600.0) as server:
            _arrange(server, case)
            result = run_child("bench.hostile_bench", [case, server.base_url], timeout_s=TIME_TARGET_S * 2)
        out = result.output
        right_code = out["exit_code"] == expected_code and out["report"] is expect_report and not out["traceback"]
        ok = right_code and result.wall_s <= TIME_TARGET_S and result.peak_mb <= PEAK_TARGET_MB
        note = f"exit {out['exit_code']} (documented {expected_code})"
        if out["report"]:
            note += f", level {out['level']}"
        rows.append(
            Row(
                f"hostile: {what}",
                result.wall_s,
                "s",
                target=f"≤ {TIME_TARGET_S:.0f} s, ≤ {PEAK_TARGET_MB:.0f} MB",
                verdict=verdict(ok),
                peak_mb=result.peak_mb,
                note=note,
                detail=out,
            ).as_dict()
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "URL"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print_table(run(args.quick))


if __name__ == "__main__":
    main()
