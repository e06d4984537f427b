"""Atomic file writes: a file is either the old one or the whole new one, never half of either.

The bytes go to ``<name>.tmp.<pid>.<random>`` beside the destination, are
flushed to disk (``fsync``), and renamed over it (``os.replace`` is atomic on
POSIX and Windows), so a crash mid-write leaves the previous file whole.  A
writer killed outright (``kill -9``) cannot delete its temporary file; the
next write to the same path does, once the process named in it is gone.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike, chunks: list[bytes]) -> Path:
    """Write ``chunks`` to ``path`` all or nothing: temporary file, fsync, rename over the old file."""
    path = Path(path)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.tmp.{os.getpid()}.")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)  # the rename itself reaches the disk
    return path


def remove_stale_temporaries(path: Path) -> None:
    """Delete ``<name>.tmp.<pid>.*`` files beside ``path`` whose writing process no longer runs."""
    prefix = f"{path.name}.tmp."
    for tmp in [p for p in path.parent.iterdir() if p.name.startswith(prefix)]:  # no glob: names may hold [ or *
        pid = tmp.name[len(prefix):].split(".")[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            try:
                tmp.unlink()
            except FileNotFoundError:  # another writer cleaned it first
                pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers: a failed write already removes its file, so these are stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or we cannot tell: leave it
    return True


def _fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its rename is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
