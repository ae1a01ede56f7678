"""Real PNG files for tests that show an image in a browser, written with zlib (no imaging
library needed): a band of `top` colour over the `bottom` one."""

from __future__ import annotations

import struct
import zlib

RGB = tuple[int, int, int]


def png_bytes(
    width: int, height: int, top: RGB = (208, 48, 48), bottom: RGB | None = None, split: float = 1
) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    lower = bottom or top
    rows = b"".join(
        b"\x00" + bytes(top if y < height * split else lower) * width for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
