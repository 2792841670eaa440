"""Where the app keeps its files, and how it writes them safely.

Directories come from platformdirs for the app "outbound-triage" (on Linux:
``~/.config/outbound-triage``, ``~/.local/share/outbound-triage``,
``~/.cache/outbound-triage``, ``~/.local/state/outbound-triage/log``). Two overrides, strongest
first: constructor arguments, then the environment variable ``TRIAGE_HOME``, a single root
holding ``config/``, ``data/``, ``cache/`` and ``logs/`` (for tests and portable use, e.g. on a
USB stick). Directories are created when first asked for, never at import or construction, so
building an ``AppPaths`` has no side effects.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "outbound-triage"
HOME_ENV = "TRIAGE_HOME"
TOKEN_ENV = "TRIAGE_API_TOKEN"  # an API token for scripted use; read, never written


class AppPaths:
    def __init__(
        self,
        *,
        config_dir: Path | str | None = None,
        data_dir: Path | str | None = None,
        cache_dir: Path | str | None = None,
        log_dir: Path | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        home = env.get(HOME_ENV, "").strip()
        if home:
            root = Path(home).expanduser()
            defaults = (root / "config", root / "data", root / "cache", root / "logs")
        else:
            dirs = PlatformDirs(APP_NAME, appauthor=False)
            defaults = (
                Path(dirs.user_config_dir),
                Path(dirs.user_data_dir),
                Path(dirs.user_cache_dir),
                Path(dirs.user_log_dir),
            )
        self._config = Path(config_dir) if config_dir is not None else defaults[0]
        self._data = Path(data_dir) if data_dir is not None else defaults[1]
        self._cache = Path(cache_dir) if cache_dir is not None else defaults[2]
        self._log = Path(log_dir) if log_dir is not None else defaults[3]
        self.portable_root: Path | None = Path(home).expanduser() if home else None

    @classmethod
    def under(cls, root: Path | str) -> AppPaths:
        """All four directories under one root, the layout ``TRIAGE_HOME`` gives."""
        return cls(environ={HOME_ENV: str(root)})

    @property
    def config_dir(self) -> Path:
        return _ensure(self._config)

    @property
    def data_dir(self) -> Path:
        return _ensure(self._data)

    @property
    def cache_dir(self) -> Path:
        return _ensure(self._cache)

    @property
    def log_dir(self) -> Path:
        return _ensure(self._log)

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def profiles_file(self) -> Path:
        return self.config_dir / "profiles.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "outbound-triage.log"

    def as_dict(self) -> dict[str, str]:
        """The four directories as text, without creating them (for diagnostics and --help)."""
        return {
            "config": str(self._config),
            "data": str(self._data),
            "cache": str(self._cache),
            "logs": str(self._log),
        }

    def __repr__(self) -> str:
        return f"AppPaths({self.as_dict()!r})"


def _ensure(directory: Path) -> Path:
    # 0o700: the config holds no secrets, but workspace IDs and URLs are nobody else's business.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


class NotARegularFile(OSError):
    """The target exists and is not a regular file; the message says what it is."""


def refuse_unless_regular_or_new(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable: the write itself will say why
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise NotARegularFile(f"{path} is {kind}: files are written only to regular files (or new paths)")


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so a crash leaves either the old file or the new."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so a crash leaves either the old file or the new one.

    Written to a temporary file in the same directory, flushed to disk, then renamed over the
    target (a rename within one file system is atomic on POSIX and Windows). An existing target
    that is not a regular file (a device such as /dev/null, a FIFO, a directory) is refused with
    :class:`NotARegularFile`: renaming over it would replace the device with our data.
    """
    refuse_unless_regular_or_new(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open directories (nor needs to).
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside(path: Path, stamp: str) -> Path:
    """Rename an unreadable file to ``NAME.bad-STAMP`` (never deleted) and return the new path."""
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    os.replace(path, target)
    return target
