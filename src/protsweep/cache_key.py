"""The secret key that signs protsweep's cache entries (:mod:`protsweep.framed`): one owner of where it lives and
how it is made.

A cache folder is data people copy and download, so the key never lives there: by default it is a per-user file,
``$XDG_CONFIG_HOME/protsweep/cache.key`` (``~/.config/protsweep/cache.key`` without ``XDG_CONFIG_HOME``), 32
random bytes created on first use with mode 0600. :data:`KEY_FILE_ENV` names another key file instead (a team
that shares one cache on a cluster points every member at one key file they alone can read). Parallel jobs may
create the key at once: each writes a complete private temporary file and hard-links it into place, which only
one can do, so every process reads the same, complete key.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from protsweep.errors import ProtsweepError

#: environment variable naming the key file (default: :func:`default_key_file`)
KEY_FILE_ENV = "PROTSWEEP_CACHE_KEY_FILE"
KEY_BYTES = 32
#: a key file shorter than this is refused (a truncated or mistaken file)
MIN_KEY_BYTES = 16

_loaded: dict[Path, bytes] = {}


def default_key_file() -> Path:
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "protsweep" / "cache.key"


def key_file() -> Path:
    """The key file this process signs and checks cache entries with."""
    named = os.environ.get(KEY_FILE_ENV)
    return Path(named).expanduser() if named else default_key_file()


def cache_key() -> bytes:
    """The key of :func:`key_file`, created there on first use (read once per process and file)."""
    path = key_file()
    if path not in _loaded:
        if not path.exists():
            _create(path)
        _loaded[path] = _read(path)
    return _loaded[path]


def _create(path: Path) -> None:
    """Write a fresh key to ``path`` unless another process got there first (then its key stays)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache.key.", suffix=".tmp")  # mode 0600
    except OSError as err:
        raise ProtsweepError(f"{path}: cannot create the cache key file ({err.strerror}); "
                             f"name a writable one with {KEY_FILE_ENV}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process created it: read theirs
    except OSError as err:
        raise ProtsweepError(f"{path}: cannot create the cache key file ({err.strerror}); "
                             f"name a writable one with {KEY_FILE_ENV}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except OSError as err:
        raise ProtsweepError(f"{path}: cannot read the cache key file ({err.strerror})") from None
    if len(key) < MIN_KEY_BYTES:
        raise ProtsweepError(f"{path}: the cache key file holds {len(key)} bytes, fewer than {MIN_KEY_BYTES} "
                             f"(delete it to have a new key made, or name another with {KEY_FILE_ENV})")
    return key
