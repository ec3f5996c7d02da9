"""Images uploaded in the back office (projects' images, the municipality's banner), served back to browsers.

The handler finds the row that names the file through the tenant-scoped session first, so a file of another
municipality (or a name nobody stored) is a 404 like any other foreign row; this module only sends the file."""

from __future__ import annotations

from pathlib import Path

from litestar import Response
from litestar.exceptions import NotFoundException

from core.project_service import IMAGE_TYPES, image_file


def image_response(upload_dir: Path, name: str, folder: str) -> Response[bytes]:
    """The stored image ``folder/name`` with its type from the server-chosen suffix; 404 when it is not there."""
    path = image_file(upload_dir, name, folder)
    if path is None:
        raise NotFoundException()
    return Response(
        path.read_bytes(),
        media_type=IMAGE_TYPES[name.rsplit(".", 1)[1]],
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
