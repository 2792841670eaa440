from __future__ import annotations

import io
import logging
import re
import stat
from collections.abc import Iterator

import pytest

from triage_gui.store.credentials import CredentialStore
from triage_gui.store.log_setup import (
    LOG_FILE_BACKUPS,
    LOG_FILE_MAX_BYTES,
    LoggingSetup,
    setup_logging,
)

TOKEN = "tk_9c2f7e41b0d8a6-live"
log = logging.getLogger("triage_gui.test_log_setup")


@pytest.fixture
def stderr() -> io.StringIO:
    """Stands in for sys.stderr: the same StreamHandler code path, without pytest's capture."""
    return io.StringIO()


@pytest.fixture
def logging_setup(app_paths, stderr) -> Iterator[LoggingSetup]:
    root = logging.getLogger()
    level = root.level
    setup = setup_logging(app_paths, "DEBUG", stream=stderr, environ={})
    try:
        yield setup
    finally:
        setup.close()
        root.setLevel(level)


def _everything_written(app_paths, stderr: io.StringIO) -> str:
    files = sorted(app_paths.log_dir.iterdir())
    assert files, "no log file"
    return "\n".join(f.read_text(encoding="utf-8") for f in files) + stderr.getvalue()


def test_the_token_never_reaches_the_log_files_or_stderr(app_paths, logging_setup, stderr):
    credentials = CredentialStore(on_secret=logging_setup.add_secret, environ={})
    credentials.set_session_token("prod", TOKEN)  # as the profile dialog does without a keyring
    log.info("GET /v1/workspaces/ws_1 Authorization: Bearer %s", TOKEN)
    log.info("headers=%r", {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    log.warning("token was %s", TOKEN)
    logging.getLogger("httpx").info("request with %s in the middle", TOKEN)
    try:
        raise RuntimeError(f"server echoed {TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    log.error("stack follows", stack_info=True)

    written = _everything_written(app_paths, stderr)
    assert TOKEN not in written
    assert TOKEN[:12] not in written  # not even partly
    assert "Authorization: [REDACTED]" in written
    assert "RuntimeError: server echoed [REDACTED]" in written
    assert written.count("request failed") == 2  # the file and stderr both got the record


def test_a_failing_handler_does_not_print_the_token_either(app_paths, logging_setup, stderr, capsys):
    logging_setup.add_secret(TOKEN)
    file_handler = logging_setup.handlers[0]
    file_handler.stream.close()  # the file handler now fails to write
    try:
        raise RuntimeError(f"server echoed {TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    file_handler.stream = None  # reopened on the next record; closing it is now a no-op
    printed = capsys.readouterr().err
    assert "Logging error in _PrivateRotatingFileHandler" in printed
    assert TOKEN not in printed + stderr.getvalue()


def test_an_unregistered_bearer_token_is_scrubbed_too(app_paths, logging_setup, stderr):
    log.info("curl -H 'Authorization: Bearer other-secret-1' ...")
    log.info("sent Bearer other-secret-2")
    assert "other-secret" not in _everything_written(app_paths, stderr)


def test_the_environment_token_is_registered_at_set_up(app_paths, stderr):
    setup = setup_logging(app_paths, "INFO", stream=stderr, environ={"TRIAGE_API_TOKEN": TOKEN})
    try:
        log.info("token from env: %s", TOKEN)
    finally:
        setup.close()
    assert TOKEN not in _everything_written(app_paths, stderr)


def test_phone_numbers_are_masked_unless_turned_off(app_paths, stderr):
    setup = setup_logging(app_paths, "INFO", stream=stderr, environ={})
    try:
        log.info("call to +14155550100 failed at 2024-01-15T10:00:00Z for job_123")
    finally:
        setup.close()
    masked = _everything_written(app_paths, stderr)
    assert "+14155550100" not in masked
    assert "[phone#1 +1 **00] failed at 2024-01-15T10:00:00Z for job_123" in masked

    setup = setup_logging(app_paths, "INFO", mask_phones=False, stream=stderr, environ={})
    try:
        log.info("raw +14155550199")
    finally:
        setup.close()
    assert "raw +14155550199" in _everything_written(app_paths, stderr)


def test_files_rotate_at_one_megabyte_keeping_five(app_paths, logging_setup):
    file_handler = logging_setup.handlers[0]
    assert (file_handler.maxBytes, file_handler.backupCount) == (LOG_FILE_MAX_BYTES, 5)
    line = "x" * 1000
    for _ in range(int(LOG_FILE_MAX_BYTES * (LOG_FILE_BACKUPS + 2) / 1000)):
        logging.getLogger("triage_gui.bulk").debug(line)
    files = sorted(p.name for p in app_paths.log_dir.iterdir())
    assert files == ["outbound-triage.log"] + [f"outbound-triage.log.{n}" for n in range(1, 6)]
    for name in files:
        path = app_paths.log_dir / name
        assert path.stat().st_size <= LOG_FILE_MAX_BYTES
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_set_up_twice_replaces_the_handlers_and_close_removes_them(app_paths, stderr):
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    first = setup_logging(app_paths, "INFO", stream=stderr, environ={})
    second = setup_logging(app_paths, "WARNING", stderr=False, environ={})
    try:
        assert [h for h in root.handlers if h not in before] == second.handlers
        assert root.level == logging.WARNING
        assert first.handlers[0].stream is None  # closed when replaced
    finally:
        second.close()
        first.close()
        root.setLevel(level)
    assert root.handlers == before


def test_a_bad_format_string_does_not_lose_the_record(app_paths, logging_setup, stderr):
    log.info("two args %s %s", "only-one")
    assert "two args %s %s (log arguments did not match" in _everything_written(app_paths, stderr)


def test_unknown_level_is_refused(app_paths):
    with pytest.raises(ValueError, match="unknown log level"):
        setup_logging(app_paths, "LOUD", environ={})


def test_the_command_line_log_is_scrubbed_and_shows_warnings_only():
    import io
    import logging

    from triage_gui.store.log_setup import register_secret, setup_cli_logging

    stream = io.StringIO()
    setup = setup_cli_logging(stream=stream, environ={"TRIAGE_API_TOKEN": "tok_env_SECRET1"})
    try:
        register_secret("tok_keyring_SECRET2")
        log = logging.getLogger("triage_gui.some.module")
        log.info("not shown")
        log.warning("server said tok_env_SECRET1 and tok_keyring_SECRET2 for +447700900123")
    finally:
        setup.close()
    text = stream.getvalue()
    assert "not shown" not in text
    assert text.startswith("triage-gui: WARNING: server said")
    assert "SECRET1" not in text and "SECRET2" not in text and "+447700900123" not in text
    assert not [h for h in logging.getLogger().handlers if getattr(h, "scrub", None) is setup.scrub]


def test_log_tail_is_the_last_megabyte_across_rotations_in_whole_lines(tmp_path):
    from triage_gui.store.log_setup import log_tail

    log_file = tmp_path / "app.log"
    (tmp_path / "app.log.2").write_text("".join(f"old {i}\n" for i in range(1000)), encoding="utf-8")
    (tmp_path / "app.log.1").write_text("".join(f"mid {i}\n" for i in range(1000)), encoding="utf-8")
    log_file.write_text("".join(f"new {i}\n" for i in range(10)), encoding="utf-8")
    whole = log_tail(log_file, max_bytes=10_000_000)
    assert whole.splitlines()[0] == "old 0" and whole.splitlines()[-1] == "new 9"
    tail = log_tail(log_file, max_bytes=500)
    lines = tail.splitlines()
    assert lines[-1] == "new 9" and lines[0].startswith("mid ") and len(tail.encode()) <= 500
    assert all(re.fullmatch(r"(mid|new) \d+", line) for line in lines)  # no cut line
    assert log_tail(tmp_path / "missing.log") == ""
