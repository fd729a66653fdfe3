"""Text files in the encoding they came in: found when a file is read, used again when
it is written, so an edit changes no byte it was not about.

A byte-order mark decides first (UTF-32, UTF-8, UTF-16; the mark is kept). Otherwise
UTF-8 is tried, and a file that is not UTF-8 goes to `charset-normalizer`, limited to
the legacy encodings source files are written in. On short samples it often ties
between code pages (every byte decodes in each), so ties go to cp1252, the most common
of them (and bytes it declines to name are cp1252 if they decode to no control
character). The text is accepted only if encoding it again gives the same bytes, so even
a wrong guess among code pages never changes a byte on disk. NUL bytes without a
BOM, or bytes no candidate fits, make the file binary (`NotText`, with the reason).
"""

from __future__ import annotations

import codecs
import re

from pydantic import BaseModel, ConfigDict

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE first: its mark starts with UTF-16 LE's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_OF = {codec: bom for bom, codec in _BOMS}

LEGACY_ENCODINGS = (
    "cp1252",
    "latin_1",
    "iso8859_15",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "koi8_r",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
)
"""What charset-normalizer may choose from, most preferred first on a tie."""


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
"""Control characters that plain text does not hold (tab, newlines, form feed and ESC
excepted)."""


class NotText(UnicodeError):
    """The bytes are not text in any encoding Orchestra reads; the message says why."""


class TextEncoding(BaseModel):
    """How a file's text is stored: a Python codec name (endianness explicit, e.g.
    `utf-16-le`) and whether the file starts with a byte-order mark."""

    model_config = ConfigDict(frozen=True)

    codec: str = "utf-8"
    bom: bool = False

    @property
    def label(self) -> str:
        """For people and models: `UTF-16-LE with BOM`, `cp1252`."""
        name = self.codec.upper() if self.codec.startswith("utf") else self.codec
        return f"{name} with BOM" if self.bom else name

    def encode(self, text: str) -> bytes:
        """The file's bytes for `text`; raises `UnicodeEncodeError` for a character the
        encoding cannot hold (check first with `unencodable`)."""
        data = text.encode(self.codec)
        return _BOM_OF[self.codec] + data if self.bom else data

    def decode(self, data: bytes) -> str:
        """The text of `data`, strictly; raises `NotText` when it does not decode."""
        if self.bom:
            mark = _BOM_OF[self.codec]
            if not data.startswith(mark):
                raise NotText(f"it does not start with the {self.label} byte-order mark")
            data = data[len(mark) :]
        try:
            return data.decode(self.codec)
        except UnicodeDecodeError as error:
            raise NotText(f"byte {error.start} is not valid {self.label}") from None

    def unencodable(self, text: str) -> int | None:
        """The offset of the first character of `text` this encoding cannot hold, if any."""
        try:
            text.encode(self.codec)
        except UnicodeEncodeError as error:
            return error.start
        return None


UTF8 = TextEncoding()


def decode_text(data: bytes, hint: TextEncoding | None = None) -> tuple[str, TextEncoding]:
    """The text of a file's bytes and how it was stored.

    `hint` is the encoding the file was read with before: tried when the bytes are
    not UTF-8 (a file converted to UTF-8 meanwhile reads as UTF-8), so a file in a
    code page keeps the one it was read with rather than being guessed again. Raises
    `NotText` with the reason for a binary file.
    """
    for mark, codec in _BOMS:
        if data.startswith(mark):
            found = TextEncoding(codec=codec, bom=True)
            try:
                return found.decode(data), found
            except NotText as error:
                mark_of = f"it starts with a {codec.upper()} byte-order mark, but"
                raise NotText(f"{mark_of} {error}") from None
    if b"\0" in data:
        at = data.index(b"\0")
        raise NotText(
            f"it holds NUL bytes (the first at byte {at}) and no UTF-16/32 byte-order mark"
        )
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    if hint is not None and not hint.bom and (hinted := _round_trip(data, hint.codec)) is not None:
        return hinted, hint
    legacy = _legacy_codec(data) or _plain_code_page(data)
    decoded = None if legacy is None else _round_trip(data, legacy)
    if legacy is None or decoded is None:
        raise NotText("its bytes are neither UTF-8 nor text in a legacy encoding")
    return decoded, TextEncoding(codec=legacy)


def _legacy_codec(data: bytes) -> str | None:
    """charset-normalizer's choice among `LEGACY_ENCODINGS`: least chaos, most coherence,
    then the earliest in the list. A match stands for every code page that decodes the
    bytes to the same text (`could_be_from_charset`), so the preferred one is named."""
    from charset_normalizer import from_bytes  # imported when a file is not UTF-8

    rank = {codecs.lookup(name).name: index for index, name in enumerate(LEGACY_ENCODINGS)}
    best: tuple[tuple[float, float, int], str] | None = None
    for match in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)):
        names = {codecs.lookup(name).name for name in match.could_be_from_charset}
        name = min(names, key=lambda n: rank.get(n, len(rank)))
        key = (round(match.chaos, 3), -round(match.coherence, 3), rank.get(name, len(rank)))
        if best is None or key < best[0]:
            best = (key, name)
    return None if best is None else best[1]


def _plain_code_page(data: bytes) -> str | None:
    """cp1252 (else latin-1) for bytes charset-normalizer found too odd to name (it
    judges short or symbol-heavy text chaotic), as long as they decode to no control
    character but whitespace and ESC: such bytes are text in some code page."""
    for codec in ("cp1252", "latin_1"):
        text = _round_trip(data, codec)
        if text is not None and not _CONTROL.search(text):
            return codec
    return None


def _round_trip(data: bytes, codec: str) -> str | None:
    """`data` decoded with `codec` when encoding it again gives the same bytes."""
    try:
        text = data.decode(codec)
        return text if text.encode(codec) == data else None
    except (UnicodeError, LookupError):
        return None
