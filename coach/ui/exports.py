"""The files behind the web app's download buttons, kept under `$COACH_HOME/exports` only.

Gradio copies every file an event returns into its own cache in the system
temp folder and serves it from there (`/gradio_api/file=...`) until that cache
is cleaned — long after the session it belongs to was deleted. Here each
download button's cache *is* this server's export folder, so Gradio serves the
file in place and makes no copy: deleting a session's folder deletes every copy
the app made.

Each file gets a fresh path when it is rewritten (a browser never downloads a
stale copy) and the version it replaces is removed, so a conversation has one
summary on disk. Each server has its own folder (`<pid>-<token>`), emptied when
the server stops; at start, folders of servers that no longer run are removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ExportFolder:
    """One server's download files: `<folder>/<key>/<token>/<name>`, key = session id or kind."""

    def __init__(self, root: Path) -> None:
        self.root = root
        _remove_stale(root)
        self.path = root / f"{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir(parents=True, exist_ok=True)

    def serve_from_here(self, *buttons: Any) -> None:
        """Make Gradio serve these components' files from this folder instead of copying them.

        Gradio leaves a file where it is when it already lies in the component's
        cache folder (`Block.GRADIO_CACHE`); the server must allow the folder
        (`allowed_paths`), which `coach.ui.edge` adds at launch.
        """
        for button in buttons:
            button.GRADIO_CACHE = str(self.path)

    def write(self, key: str, name: str, text: str, replaces: str | None = None) -> str:
        """Write `text` as a new file and remove the version it replaces; returns its path."""
        folder = self._folder(key) / secrets.token_hex(8)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        self.discard(replaces)
        return str(path)

    def discard(self, path: str | None) -> None:
        """Remove one file written here (and its token folder); paths elsewhere are left alone."""
        if not path:
            return
        folder = Path(path).parent
        if folder.parent.parent == self.path and folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):  # the key's folder too, once it is empty
                folder.parent.rmdir()

    def remove(self, key: str) -> None:
        """Remove every file written under `key` (all versions, all browser tabs)."""
        shutil.rmtree(self._folder(key), ignore_errors=True)

    def clear(self) -> None:
        """Remove this server's folder (at stop)."""
        shutil.rmtree(self.path, ignore_errors=True)

    def _folder(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a valid export key: {key!r}")
        return self.path / key


def _remove_stale(root: Path) -> None:
    """Remove the folders of servers that no longer run (killed without cleaning up)."""
    if not root.is_dir() or os.name != "posix":  # liveness is checked with kill(pid, 0)
        return
    for child in root.iterdir():
        pid = child.name.split("-", 1)[0]
        if not (pid.isdecimal() and _running(int(pid))):
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
