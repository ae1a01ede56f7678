"""Photos customers attach (凭证照片): checked by their first bytes (JPEG, PNG, WebP; the
name and the browser's content type are not trusted) and size, and kept in private storage,
a directory outside MEDIA_ROOT that no URL serves; staff see them through the dashboard."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from omniloop.core import clock
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.core.images import image_sniff
from omniloop.inbox.models import Ticket, TicketPhoto

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class PhotoUpload:
    data: bytes
    name: str = ""


def private_storage() -> FileSystemStorage:
    root = Path(settings.OMNILOOP_PRIVATE_MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return FileSystemStorage(location=str(root), base_url=None)


def sniff(data: bytes) -> tuple[str, str]:
    """(content type, extension) from the file's own bytes, or 422 `photo_type_invalid`."""
    return image_sniff(data)


def photos_check(uploads: list[PhotoUpload]) -> list[tuple[PhotoUpload, str, str]]:
    """Every photo checked before anything is written."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed(f"At most {MAX_PHOTOS} photos.", code="photo_too_many")
    checked = []
    for upload in uploads:
        if not upload.data:
            raise ValidationFailed("A photo is empty.", code="photo_empty")
        if len(upload.data) > MAX_BYTES:
            raise ValidationFailed("A photo may be at most 5 MB.", code="photo_too_large")
        content_type, ext = sniff(upload.data)
        checked.append((upload, content_type, ext))
    return checked


def photos_store(ticket: Ticket, checked: list[tuple[PhotoUpload, str, str]]) -> None:
    storage = private_storage()
    now = clock.now()
    for upload, content_type, ext in checked:
        name = f"inbox/{ticket.pk}/{secrets.token_hex(12)}.{ext}"
        saved = storage.save(name, ContentFile(upload.data))
        TicketPhoto.objects.create(
            ticket=ticket,
            path=saved,
            content_type=content_type,
            size=len(upload.data),
            created_at=now,
        )


def photo_bytes(photo: TicketPhoto) -> bytes:
    try:
        with private_storage().open(photo.path, "rb") as fh:
            return bytes(fh.read())
    except FileNotFoundError as exc:  # erased, or lost with a restore: not a server error
        raise NotFound("Photo not found.", code="photo_not_found") from exc
