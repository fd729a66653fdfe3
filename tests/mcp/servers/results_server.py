"""A server whose tools return the result shapes that go wrong in clients.

- `image_twice`: a PNG in `content` and the same base64 again in `structuredContent`.
- `weather`: text in `content` that does not carry the structured values.
- `huge(chars)`: one text of `chars` characters.
- `big_image(width, height)`: a noisy PNG (noise does not compress: above 5 MB soon).
- `link`: a resource link to `results://doc`, readable as a resource.
- `beep`: a short WAV as audio content.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib

import mcp_types as types
from mcp.server.mcpserver import MCPServer

app = MCPServer("results")


def _png(width: int, height: int, noisy: bool = False) -> bytes:
    """A PNG without Pillow: noise does not compress, so a big one stays big."""
    rows = b"".join(
        b"\x00" + (os.urandom(width * 3) if noisy else b"\x10\x80\xf0" * width)
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


@app.tool()
def image_twice() -> types.CallToolResult:
    """A small image, repeated in structured content."""
    data = base64.b64encode(_png(120, 80)).decode()
    return types.CallToolResult(
        content=[types.ImageContent(data=data, mime_type="image/png")],
        structured_content={"image": {"data": data, "mimeType": "image/png"}},
    )


@app.tool()
def weather() -> types.CallToolResult:
    """Text that does not carry the structured values."""
    return types.CallToolResult(
        content=[types.TextContent(text="Weather report follows.")],
        structured_content={"temperature": 21.5, "conditions": "light drizzle"},
    )


@app.tool()
def huge(chars: int) -> str:
    """A text of `chars` characters, in numbered lines."""
    lines = []
    size = n = 0
    while size < chars:
        line = f"line {n:07d} of the huge result: the quick brown fox jumps over the lazy dog\n"
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines)[:chars]


@app.tool()
def big_image(width: int, height: int) -> types.CallToolResult:
    """A noisy PNG of `width` x `height` pixels."""
    data = base64.b64encode(_png(width, height, noisy=True)).decode()
    return types.CallToolResult(content=[types.ImageContent(data=data, mime_type="image/png")])


@app.tool()
def link() -> types.CallToolResult:
    """A link to a resource, not its content."""
    return types.CallToolResult(
        content=[
            types.TextContent(text="The document is linked."),
            types.ResourceLink(name="doc", uri="results://doc", mime_type="text/plain"),
        ]
    )


@app.resource("results://doc", mime_type="text/plain")
def doc() -> str:
    """The linked document."""
    return "LINKED-DOCUMENT-BODY"


@app.tool()
def beep() -> types.CallToolResult:
    """A tiny WAV."""
    frames = b"\x00\x00" * 800
    wav = (
        b"RIFF"
        + struct.pack("<I", 36 + len(frames))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data"
        + struct.pack("<I", len(frames))
        + frames
    )
    return types.CallToolResult(
        content=[types.AudioContent(data=base64.b64encode(wav).decode(), mime_type="audio/wav")]
    )


if __name__ == "__main__":
    app.run()
