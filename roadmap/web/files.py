"""An uploaded file sent back: always as an attachment, never rendered by the browser, never cached."""

from __future__ import annotations

from typing import IO, Protocol

from flask import send_file
from werkzeug.wrappers import Response


class StoredFile(Protocol):
    content_type: str
    original_name: str
    sha256: str


def attachment(handle: IO[bytes], row: StoredFile) -> Response:
    """The file as a download, in a sandbox should a browser still open it; private, not kept."""
    response = send_file(
        handle,
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.original_name,
        max_age=0,
        etag=row.sha256,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
