from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from triage_gui.store.paths import AppPaths, atomic_write_text, set_aside


def test_triage_home_puts_every_dir_under_one_root(tmp_path):
    paths = AppPaths(environ={"TRIAGE_HOME": str(tmp_path / "portable")})
    assert paths.config_dir == tmp_path / "portable" / "config"
    assert paths.data_dir == tmp_path / "portable" / "data"
    assert paths.cache_dir == tmp_path / "portable" / "cache"
    assert paths.log_dir == tmp_path / "portable" / "logs"
    assert paths.portable_root == tmp_path / "portable"


def test_dirs_are_created_when_first_asked_for_not_before(tmp_path):
    paths = AppPaths(environ={"TRIAGE_HOME": str(tmp_path / "home")})
    assert not (tmp_path / "home").exists()
    config = paths.config_dir
    assert config.is_dir()
    assert not (tmp_path / "home" / "logs").exists()
    assert stat.S_IMODE(config.stat().st_mode) == 0o700


def test_constructor_arguments_beat_triage_home(tmp_path):
    paths = AppPaths(log_dir=tmp_path / "elsewhere", environ={"TRIAGE_HOME": str(tmp_path / "h")})
    assert paths.log_dir == tmp_path / "elsewhere"
    assert paths.config_dir == tmp_path / "h" / "config"
    assert paths.log_file == tmp_path / "elsewhere" / "outbound-triage.log"


def test_without_triage_home_platformdirs_decides_and_nothing_is_created():
    paths = AppPaths(environ={})
    dirs = paths.as_dict()
    assert all("outbound-triage" in d for d in dirs.values())
    assert paths.portable_root is None


def test_triage_home_from_the_process_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    assert AppPaths().settings_file == tmp_path / "config" / "settings.json"
    under = AppPaths.under(tmp_path / "x")
    assert under.profiles_file == tmp_path / "x" / "config" / "profiles.json"


def test_atomic_write_replaces_content_privately_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "sub" / "file.json"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "file.json"
    atomic_write_text(target, "good")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "bad \ud800 surrogate")  # cannot be encoded: fails mid-write
    assert target.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_set_aside_never_overwrites_an_earlier_bad_file(tmp_path):
    target = tmp_path / "settings.json"
    target.write_text("one", encoding="utf-8")
    first = set_aside(target, "20240115T100000Z")
    target.write_text("two", encoding="utf-8")
    second = set_aside(target, "20240115T100000Z")
    assert first.name == "settings.json.bad-20240115T100000Z"
    assert second.name == "settings.json.bad-20240115T100000Z-2"
    assert (first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")) == ("one", "two")
    assert not target.exists()


def test_paths_repr_names_the_dirs_without_creating_them(tmp_path):
    paths = AppPaths(environ={"TRIAGE_HOME": str(tmp_path / "r")})
    assert "config" in repr(paths)
    assert not Path(tmp_path / "r").exists()
    assert os.fspath(paths.as_dict()["data"]).endswith("data")


def test_atomic_writes_never_replace_a_device_a_fifo_or_a_directory(tmp_path):
    """`audit --out /dev/null` as root once replaced the device with a file of contacts: every
    writer goes through the atomic writer, which refuses any existing non-regular target."""
    import os

    from triage_gui.store.paths import NotARegularFile, atomic_write_bytes, atomic_write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target in (fifo, folder, Path(os.devnull)):
        with pytest.raises(NotARegularFile, match="regular files"):
            atomic_write_bytes(target, b"contacts")
    assert fifo.is_fifo() and folder.is_dir() and Path(os.devnull).is_char_device()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    atomic_write_text(tmp_path / "new.csv", "a,b\n")  # a new path, and then a regular file, are fine
    atomic_write_text(tmp_path / "new.csv", "c,d\n")
    assert (tmp_path / "new.csv").read_text() == "c,d\n"
