"""Where uploaded and generated files live: evidence files, prepared exports, rendered reports.

The database keeps a key and the metadata; the content lives behind this small interface, so that the
embedded default (a local folder) and the scale-out shape (a volume shared by every app host and worker,
or an S3-compatible object store) are a matter of configuration. Keys are ours — `new_key()`, random hex —
and never a name or path from user input: every implementation refuses anything else (`check_key`).

Configuration (README, "Configuration"; docs/deploy.md):

- `UPLOAD_STORAGE=local` (default): `LocalStorage` under `EVIDENCE_UPLOAD_DIR` (default `instance/uploads`),
  created when missing.
- `UPLOAD_STORAGE=shared`: `SharedVolumeStorage` under `EVIDENCE_UPLOAD_DIR`, which must already exist (a
  mounted NFS/CephFS/EFS volume: if the mount is missing the app refuses to store rather than write to a
  host's own disk), written atomically so that another host never reads a half-written file.
- An object store implements the same four methods (`put` → PUT object `prefix/key`, `open` → GET as a
  stream, `delete` → DELETE, `exists` → HEAD) and is plugged in as `app.extensions["upload_storage"]`.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import IO, Protocol

from flask import current_app

# 32 to 64 lowercase hex digits: what new_key() makes (evidence keys have always been token_hex(16)).
_KEY = re.compile(r"[0-9a-f]{32,64}")


class BadKeyError(ValueError):
    """A key that we did not make: a path, `..`, a NUL, anything but our hex."""


class Storage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...

    def open(self, key: str) -> IO[bytes]: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key() -> str:
    return secrets.token_hex(16)


def check_key(key: object) -> str:
    if not isinstance(key, str) or _KEY.fullmatch(key) is None:
        raise BadKeyError("not a storage key")
    return key


class LocalStorage:
    """Files in a folder outside static/, fanned out by the key's first two characters."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key

    def _prepare(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        self._prepare(path)
        with open(path, "xb") as handle:  # a key is never reused: refuse to overwrite
            handle.write(content)

    def open(self, key: str) -> IO[bytes]:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class SharedVolumeStorage(LocalStorage):
    """A folder on a volume mounted on every app host and worker (NFS, CephFS, EFS, a SAN volume).

    Differs from the local folder in two ways: the root must exist (a missing mount is an error, not a
    folder to create on the host's own disk), and a file appears under its key only once it is complete
    (written to a temporary name beside it, flushed to disk, then renamed), so that a worker on another
    host never serves half a file.
    """

    def _prepare(self, path: Path) -> None:
        if not self.root.is_dir():
            raise OSError(f"the shared upload volume {self.root} is not mounted")
        path.parent.mkdir(exist_ok=True)

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        self._prepare(path)
        if path.exists():
            raise FileExistsError(key)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def storage() -> Storage:
    """The configured storage of the current app."""
    plugged: Storage | None = current_app.extensions.get("upload_storage") or current_app.extensions.get(
        "evidence_storage"
    )
    if plugged is not None:
        return plugged
    root = Path(current_app.config.get("EVIDENCE_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    if current_app.config.get("UPLOAD_STORAGE", "local") == "shared":
        return SharedVolumeStorage(root)
    return LocalStorage(root)
