"""Output folders written as a whole: one command's files appear together or not at all.

A command writes into a hidden sibling of its ``--out`` folder (``.NAME.iaas-sim-partial-PID``)
and, once every file and the ``iaas-sim.json`` marker are on disk, puts it in place of the
folder in one rename (Linux's ``renameat2(RENAME_EXCHANGE)``, which swaps two paths
atomically). A kill at any moment leaves the previous complete folder or the new complete
one; what a killed command leaves beside it (its partial sibling) is removed by the next
command writing to the same folder. One folder has one writer at a time: a sibling lock
file ``.NAME.iaas-sim.lock`` held with ``flock`` (released by the system when a writer dies).

Files of the folder that are not outputs of the same command (a user's notes, anything
kept with ``--force``) are carried into the new folder as hard links (copies where links
are refused), so nothing of the user's is lost; the previous outputs of the same command
are replaced as a whole.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

MARKER = "iaas-sim.json"
"""Written last in every output folder: the command, the files it wrote, the package
version, the scenario's hash and the seed. A folder holding it, from the same command, may
be written again without ``--force``."""

PARTIAL = ".iaas-sim-partial-"
OLD = ".iaas-sim-old-"
LOCK = ".iaas-sim.lock"
NAME_MAX = 255 - 40
"""Longest folder or file name: the hidden siblings add up to 40 characters."""
PATH_MAX = 4000
MB = 2**20


class OutputError(Exception):
    """An output path that cannot be used; ``str`` names the option and the path."""

    def __init__(self, message: str, target: Path | str, option: str = "--out") -> None:
        self.message = message
        self.option = option
        super().__init__(f"{option}: {message} (got '{target}')")


def check_path(
    target: Path, folder: bool = True, whole: bool = True, option: str = "--out"
) -> Path:
    """The path to write (``..`` worked out, a symlink followed), or ``OutputError`` if it
    cannot be: a dangling symlink or a loop, an existing file where a folder is due (or the
    reverse, or a special file), a name too long, a place that is not writable, a mount
    point, or (``whole``: the folder is replaced as a whole) the current folder."""
    text = str(target)
    try:
        return _checked(Path(os.path.normpath(target)), text, folder, whole, option)
    except (OSError, RuntimeError) as exc:  # a loop or an unreadable place on the way
        raise OutputError(f"cannot be used ({exc})", text, option) from None


def _checked(target: Path, text: str, folder: bool, whole: bool, option: str) -> Path:
    if len(os.fsencode(text)) > PATH_MAX:
        shown = text[:60] + "..."
        raise OutputError(f"the path is longer than {PATH_MAX} bytes", shown, option)
    for part in target.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(f"a name is longer than {NAME_MAX} bytes", part[:40] + "...", option)
    if target.is_symlink():
        try:
            target = target.resolve(strict=True)
        except (OSError, RuntimeError):
            raise OutputError("is a symbolic link to nothing (or a loop)", text, option) from None
    if folder and whole and _holds_cwd(target):
        raise OutputError(
            "is the current folder or holds it (the folder is replaced as a whole); give it "
            "from outside, e.g. ../NAME",
            text,
            option,
        )
    if target.exists():
        _check_existing(target, text, folder, whole, option)
    parent = _existing_parent(target.parent)  # where the sibling files are written
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot be created or written ({parent} is not writable)", text, option)
    if str(target.resolve()).startswith(("/proc/", "/sys/", "/dev/")):
        raise OutputError("is in a system folder (/proc, /sys or /dev)", text, option)
    return target


def _check_existing(target: Path, text: str, folder: bool, whole: bool, option: str) -> None:
    if folder and not target.is_dir():
        raise OutputError("exists and is not a folder", text, option)
    if not folder and not target.is_file():
        raise OutputError("exists and is not a regular file", text, option)
    if folder and whole and os.path.ismount(target):
        raise OutputError("is a mount point; give a folder inside it", text, option)


def _holds_cwd(target: Path) -> bool:
    try:
        here = Path.cwd().resolve()
        there = target.resolve()
    except (OSError, RuntimeError):
        return False
    return there == here or there in here.parents


def check_space(target: Path, needed_bytes: float) -> None:
    """``OutputError`` when the file system of ``target`` has less free space than the
    outputs are estimated to need."""
    try:
        found = os.statvfs(_existing_parent(target))
    except OSError:
        return
    free = found.f_bavail * found.f_frsize
    if free < needed_bytes:
        raise OutputError(
            f"only {free / MB:,.1f} MiB free there; the outputs need about "
            f"{needed_bytes / MB:,.1f} MiB",
            target,
        )


def _existing_parent(target: Path) -> Path:
    return next(p for p in [target, *target.absolute().parents] if p.exists())


class Lock:
    """One writer per output path: ``flock`` on a hidden sibling file, refused at once (not
    waited for) when another command holds it."""

    def __init__(self, target: Path) -> None:
        self.path = target.parent / f".{target.name}{LOCK}"
        self.fd: int | None = None

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise OutputError(
                    "another iaas-sim command is writing there now; wait for it to finish "
                    "or give another folder",
                    self.path.parent / self.path.name[1 : -len(LOCK)],
                ) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file its last holder removed while we opened it
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(self.fd)
            self.fd = None


class OutputFolder:
    """``with OutputFolder(target, "run", force) as folder:`` checks the path and takes the
    lock on entry; files go to ``folder.staging``; ``folder.commit(files, metadata)`` puts
    them in place with the marker. Leaving the block without committing (an error, Ctrl-C)
    removes the staging folder and leaves ``target`` as it was."""

    def __init__(
        self,
        target: Path,
        command: str | None,
        force: bool = False,
        needed_bytes: float = 10 * MB,
        keep_outputs: bool = False,
    ) -> None:
        """``command`` None with ``keep_outputs``: add files to another command's folder
        (``iaas-sim plot``), whose marker then lists them too."""
        self.target = check_path(target, option="FOLDER" if keep_outputs else "--out")
        self.command = command
        self.force = force
        self.keep_outputs = keep_outputs
        self.needed_bytes = needed_bytes
        self.lock = Lock(self.target)
        self.staging = self.target.parent / f".{self.target.name}{PARTIAL}{os.getpid()}"
        self.committed = False
        self.created: list[Path] = []
        self.option = "FOLDER" if keep_outputs else "--out"

    def __enter__(self) -> OutputFolder:
        check_space(self.target, self.needed_bytes)
        try:
            self.created = make_folder(self.target.parent)
            self.lock.acquire()
        except (OSError, OutputError) as exc:
            remove_empty(self.created)
            if isinstance(exc, OutputError):
                raise
            raise OutputError(f"cannot be written ({exc.strerror or exc})", self.target) from None
        try:
            if not self.force and self.command is not None:
                _refuse_foreign(self.target, self.command)
            _refuse_other_devices(self.target)
            _remove_leftovers(self.target)
            self.staging.mkdir()
        except (OSError, OutputError) as exc:
            self.lock.release()
            remove_empty(self.created)
            if isinstance(exc, OutputError):
                raise
            raise OutputError(f"cannot be written ({exc.strerror or exc})", self.target) from None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.lock.release()
        if not self.committed:
            remove_empty(self.created)

    def commit(self, written: list[Path], metadata: dict[str, Any]) -> list[Path]:
        """Write the marker in the staging folder, carry over what is kept, and put the
        folder in place; the paths of the files written, under ``target``."""
        names = sorted({p.name for p in written})
        previous = read_marker(self.target)
        replaced: set[str] = set()
        document = _marker(self.command, names, metadata, previous if self.keep_outputs else None)
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        from iaas_sim.util.files import atomic_write

        atomic_write(self.staging / MARKER, lambda p: Path(p).write_text(text))
        if self.target.is_dir():
            replaced = set(names) | {MARKER}
            if not self.keep_outputs and previous.get("command") == self.command:
                replaced |= set(previous.get("files", []))
            for entry in sorted(self.target.iterdir()):
                if entry.name not in replaced:
                    _link_copy(entry, self.staging / entry.name)
            shutil.copystat(self.target, self.staging)  # the folder's mode stays the user's
        from iaas_sim.util.files import _sync_folder

        _sync_folder(self.staging)
        _swap(self.staging, self.target, keep=replaced if self.target.is_dir() else set())
        self.committed = True
        return [self.target / name for name in [*names, MARKER]]


def write_marker(folder: Path, command: str, written: list[Path], metadata: dict[str, Any]) -> Path:
    """Write the marker of a folder written in place (a sweep's resumable dataset), last."""
    from iaas_sim.util.files import atomic_write

    document = _marker(command, sorted({p.name for p in written}), metadata, None)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    return atomic_write(folder / MARKER, lambda p: Path(p).write_text(text))


def make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, deepest first."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty(created: list[Path]) -> None:
    """Remove the folders of ``created`` (deepest first) that are still empty: a refused
    command leaves no trace."""
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


def _refuse_foreign(target: Path, command: str) -> None:
    if not target.is_dir():
        return
    entries = sorted(p.name for p in target.iterdir())
    if entries and read_marker(target).get("command") != command:
        shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
        raise OutputError(
            f"is not empty (it holds {shown}) and holds no earlier output of "
            f"'iaas-sim {command}': give a new or empty folder, or add --force to "
            "write into it",
            target,
        )


def read_marker(folder: Path) -> dict[str, Any]:
    """The marker of ``folder`` (empty when there is none or it cannot be read)."""
    try:
        found = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    files = found.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        found["files"] = []  # a marker edited by hand: its file list is not trusted
    return found


def _marker(
    command: str | None,
    names: list[str],
    metadata: dict[str, Any],
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    if previous is not None:  # files added to another command's folder
        document = dict(previous)
        document["files"] = sorted({*previous.get("files", []), *names})
        return document
    document = {
        "command": command,
        "command_line": "iaas-sim " + shlex.join(sys.argv[1:]),
        "files": names,
        **{k: metadata[k] for k in ("package_version", "scenario_hash", "seed") if k in metadata},
    }
    if "package_version" not in document:
        from iaas_sim.util.version import package_version

        document["package_version"] = package_version()
    return document


def _remove_leftovers(target: Path) -> None:
    """Partial and old folders that killed commands left beside ``target`` (the lock is
    held, so none is being written)."""
    olds = sorted(target.parent.glob(f".{_glob_escape(target.name)}{OLD}*"))
    if olds and not target.exists():  # killed between the two renames: put it back
        os.rename(olds.pop(), target)
    for entry in [*olds, *target.parent.glob(f".{_glob_escape(target.name)}{PARTIAL}*")]:
        shutil.rmtree(entry, ignore_errors=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _link_copy(source: Path, dest: Path) -> None:
    """``source`` at ``dest`` without touching ``source``: hard links (copies where the
    system refuses them), folders recreated, symbolic links kept as links."""
    if source.is_symlink():
        os.symlink(os.readlink(source), dest)
    elif source.is_dir():
        shutil.copytree(source, dest, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(dest))


def _link_or_copy(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV, errno.EBUSY):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging: Path, target: Path, keep: set[str]) -> None:
    """Put ``staging`` at ``target``; the previous ``target`` (if any) is removed, but for
    entries written into it meanwhile (not ``keep``-listed outputs being replaced, and not
    carried over), which move into the new folder."""
    from iaas_sim.util.files import _sync_folder

    if not target.exists():
        os.rename(staging, target)
    elif _exchange(staging, target):
        _carry_late_entries(staging, target, keep)
        shutil.rmtree(staging, ignore_errors=True)  # now the previous folder
    elif not any(target.iterdir()):
        os.rename(staging, target)  # an empty folder is replaced atomically
    else:  # no atomic swap here: the previous folder steps aside for an instant
        old = target.parent / f".{target.name}{OLD}{os.getpid()}"
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(old, target)  # put it back as it was
            raise
        _carry_late_entries(old, target, keep)
        shutil.rmtree(old, ignore_errors=True)
    _sync_folder(target.parent)


def _carry_late_entries(old: Path, new: Path, keep: set[str]) -> None:
    for entry in old.iterdir():
        if entry.name not in keep and not os.path.lexists(new / entry.name):
            os.rename(entry, new / entry.name)


def _refuse_other_devices(target: Path) -> None:
    """A mount point inside the folder cannot move with it."""
    if not target.is_dir():
        return
    device = os.stat(target).st_dev
    for entry in target.iterdir():
        if entry.is_dir() and not entry.is_symlink() and os.stat(entry).st_dev != device:
            raise OutputError(
                f"holds {entry.name}, on another file system (a mount point), which cannot "
                "move with the folder; give another folder",
                target,
            )


@contextlib.contextmanager
def locked_file(target: Path) -> Any:
    """Hold the lock of one output file (a report, a chart) while it is written
    (``target``: the checked path, a symlink followed)."""
    lock = Lock(target)
    created = make_folder(target.parent)
    try:
        lock.acquire()
        yield
    finally:
        lock.release()
        if not target.exists():
            remove_empty(created)
