"""What an uploaded image is, from its own first bytes: JPEG, PNG or WebP. The file's name and
the browser's content type are not trusted, and nothing else (SVG, HTML, GIF) is an image here,
so an upload can never be a page or a script when it is served back."""

from __future__ import annotations

from omniloop.core.errors import ValidationFailed

_KINDS = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def image_sniff(data: bytes) -> tuple[str, str]:
    """(content type, extension) from the file's own bytes, or 422 `photo_type_invalid`."""
    for magic, content_type, ext in _KINDS:
        if data.startswith(magic):
            return content_type, ext
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise ValidationFailed("Photos must be JPEG, PNG or WebP.", code="photo_type_invalid")
