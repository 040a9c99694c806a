"""Small real images made without an imaging library: placeholder photos for the demo
and for tests (a PNG of one colour with a darker frame)."""

import struct
import zlib


def placeholder_png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (120, 150, 180)) -> bytes:
    frame = tuple(max(0, c - 60) for c in rgb)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            edge = x < 2 or y < 2 or x >= width - 2 or y >= height - 2
            row.extend(frame if edge else rgb)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
