"""Writing a file in one step: to a temporary name beside it, then renamed into place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: Path, write: Callable[[str], Any]) -> Path:
    """Call ``write`` on a temporary name in ``path``'s folder, then rename it to ``path``.

    The temporary file is created (exclusively) with mode 0o666, so the process's umask
    applies as it does to any file it writes; the umask is never read or changed (changing
    it, even for an instant, races with other threads)."""
    tmp = _create_temporary(path)
    try:
        write(str(tmp))
        with open(tmp, "rb") as done:  # on disk before the name says it is there
            os.fsync(done.fileno())
        os.replace(tmp, path)
        _sync_folder(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _create_temporary(path: Path) -> Path:
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
