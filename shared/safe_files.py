"""Writing without losing anything: private temporaries, publish by rename, locks.

- `private_temp_dir(destination)`: a fresh temporary folder (a `tempfile`
  name nobody can guess or plant) beside the destination, so the final
  rename stays on one file system.
- `publish_folder(tmp, destination)`: rename `tmp` onto `destination`. An
  existing destination is never deleted: one that holds an annsuite export
  (its marker file) is kept as `<destination>.previous-<time>`; anything
  else (a user's folder) is refused with one line.
- `RunLock`: an exclusive `fcntl.flock` on `RUN/.lock` for the whole
  command; a second command on the same run folder stops with one line
  naming the holder's process id.
- `private_folder(path)`: a folder only this user can enter (0700, owned by
  us, not a symbolic link), for files that must survive a restart.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import stat
import tempfile
from pathlib import Path

from shared.errors import UsageError

EXPORT_MARKER = "annsuite_export.json"
LOCK_FILE = ".lock"


def fsync_folder(path):
    """Make a rename or a new entry in `path` durable."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def private_temp_dir(destination):
    """A new, private temporary folder in the destination's parent."""
    destination = Path(destination).resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".partial",
                                 dir=destination.parent))


def publish_folder(tmp, destination, marker=EXPORT_MARKER):
    """Rename `tmp` onto `destination`, keeping (never deleting) what was there.

    Raises:
        UsageError: `destination` exists and is not a folder this code wrote
            (no `marker` file in it): nothing is touched.
    """
    destination = Path(destination).resolve()
    if destination.exists():
        if not (destination.is_dir() and (destination / marker).is_file()):
            raise UsageError(f"{destination} exists and is not an annsuite export; it is left as it "
                             "is: choose another --out")
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        destination.rename(destination.with_name(f"{destination.name}.previous-{stamp}"))
    os.replace(tmp, destination)
    fsync_folder(destination.parent)
    return destination


def private_folder(path):
    """Create (or check) a folder only this user can use; refuse anything planted."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() \
            or stat.S_IMODE(info.st_mode) & 0o077:
        raise UsageError(f"{path}: not a private folder of this user (a link, another owner or open "
                         "permissions); remove it or set TMPDIR/XDG_CACHE_HOME elsewhere")
    return path


class RunLock:
    """An exclusive lock on a run folder, held until `release()` or the process ends.

    Re-entrant within one process (the same command opening its folder
    twice), exclusive between processes.
    """

    _held = {}  # resolved path -> (file descriptor, count)

    def __init__(self, folder):
        self.path = Path(folder).resolve() / LOCK_FILE

    def acquire(self):
        key = str(self.path)
        if key in RunLock._held:
            handle, count = RunLock._held[key]
            RunLock._held[key] = (handle, count + 1)
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 32).decode("ascii", "replace").strip() or "?"
            os.close(handle)
            raise UsageError(f"{self.path.parent} is in use by another command (process {holder}); "
                             "wait for it to finish or choose another --run-dir") from None
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode("ascii"))
        RunLock._held[key] = (handle, 1)
        return self

    def release(self):
        key = str(self.path)
        if key not in RunLock._held:
            return
        handle, count = RunLock._held.pop(key)
        if count > 1:
            RunLock._held[key] = (handle, count - 1)
            return
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)
