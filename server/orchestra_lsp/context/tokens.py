"""Token estimates, offline and fast.

`anthropic_tokenizer`'s embedded BPE tokenizer (a Rust extension) counts locally; its
`ApiTokenizer` would call the network, so only the native `count_tokens` is used — never
at import time, never over the network. If the extension cannot be imported (or fails on
some input, such as lone surrogates), the estimate falls back to one token per 3.5
characters, the usual ratio for English and code.

The tokenizer is exact but slow: about a microsecond a character, a few milliseconds for
a modest tool result and most of a second for a large one, paid on every turn that
brings one. A text longer than `EXACT_CHARS` is therefore counted from samples: the
tokenizer counts `SAMPLES` windows spread over it, and their characters-per-token ratio
scales to the whole, rounded up by `SAMPLE_MARGIN` so that a budget is not overrun by
the estimate. Its cost is bounded whatever the text's length. ASCII text (most code and
tool output) is counted word by word, each word once (`_by_words`): the same count,
several times faster.

Counts are cached by (length, hash) of the text rather than by the text itself, so the
cache does not keep large tool results alive; a hash collision would only skew an
estimate.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from typing import cast

CHARS_PER_TOKEN = 3.5
EXACT_CHARS = 2048
"""Texts up to this many characters are counted whole."""
SAMPLES = 3
SAMPLE_CHARS = 192
SAMPLE_MARGIN = 1.05
_CACHE_SIZE = 8192


@cache
def _load_native() -> Callable[[str], int] | None:
    """The tokenizer, loaded on the first count (it costs an idle language server some
    11 MiB, and loading a workspace counts nothing)."""
    try:
        from anthropic_tokenizer.anthropic_tokenizer import count_tokens as native
    except ImportError:
        return None
    return cast(Callable[[str], int], native)


def load() -> bool:
    """Load the tokenizer now (some 150 ms of CPU and 11 MiB, once) rather than on the
    first count: a warm-up does it off the event loop. Whether it is available."""
    return _load_native() is not None


_cache: OrderedDict[tuple[int, int], int] = OrderedDict()
_lock = threading.Lock()


def estimate_tokens(text: str) -> int:
    """The character-ratio estimate used when the tokenizer is unavailable."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def count_tokens(text: str) -> int:
    """Tokens in `text` (cached)."""
    if not text:
        return 0
    key = (len(text), hash(text))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    count = _count(text)
    with _lock:
        _cache[key] = count
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return count


def count_tokens_joined(pieces: Sequence[str]) -> int:
    """`count_tokens("".join(pieces))`, exactly, from the pieces' own counts where that
    is the same number, and cached under the whole text like `count_tokens`.

    The tokenizer splits its (NFKC-normalised) input into words before it merges bytes
    (a byte-level BPE: GPT-2's pattern, where no word holds a non-space character
    followed by a space), and counts each word alone. So a text cut just before a
    space that follows an ASCII non-space character and precedes another counts as the
    sum of its two sides: the cut is a word boundary in the whole and in either side,
    and NFKC changes neither side's edge (a space composes with nothing). Pieces that
    do not meet there are counted together. A text the tokenizer does not count whole
    (too long: sampled; no tokenizer: estimated; a lone surrogate, which the extension
    rejects) is counted as `count_tokens` counts it. The fitter's chunk summaries are
    made of pieces that mostly repeat from one summary to the next: counting them costs
    tens of microseconds instead of the text's whole (about a microsecond a character).
    """
    text = "".join(pieces)
    if not text:
        return 0
    if _load_native() is None or len(text) > EXACT_CHARS or not _encodable(text):
        return count_tokens(text)
    key = (len(text), hash(text))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return count_tokens(text)  # a hit: refreshed in the cache's order
    words: list[str] = []
    run = ""
    for piece in pieces:
        if run and _word_boundary(run, piece):
            words.append(run)
            run = piece
        else:
            run += piece
    words.append(run)
    count = sum(count_tokens(word) for word in words)
    with _lock:
        _cache[key] = count
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return count


def _word_boundary(before: str, after: str) -> bool:
    """Whether the tokenizer's words end with `before` and start again with `after`
    (see `count_tokens_joined`)."""
    return (
        len(after) > 1
        and after[0] == " "
        and after[1].isascii()
        and not after[1].isspace()
        and before[-1].isascii()
        and not before[-1].isspace()
    )


def _encodable(text: str) -> bool:
    """No lone surrogate (which the extension rejects, and the fallback estimates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(text: str) -> int:
    if len(text) <= EXACT_CHARS:
        return _exact(text)
    step = (len(text) - SAMPLE_CHARS) // (SAMPLES - 1)
    windows = [text[i * step : i * step + SAMPLE_CHARS] for i in range(SAMPLES)]
    sampled = sum(_exact(window) for window in windows)
    return math.ceil(len(text) * sampled / (SAMPLES * SAMPLE_CHARS) * SAMPLE_MARGIN)


def _exact(text: str) -> int:
    native = _load_native()
    if native is None:
        return estimate_tokens(text)
    if len(text) > _SHORT and text.isascii() and ("<" not in text or _SPECIAL.search(text) is None):
        return _by_words(text, native)
    try:
        return native(text)
    except Exception:  # the extension rejects some inputs (lone surrogates)
        return estimate_tokens(text)


_SHORT = 64
"""Texts up to this long are counted whole: one call costs little (the extension's time
grows faster than a text's length), and splitting them would cost as much."""
_SPACE = " \t\n\x0b\x0c\r"
_WORDS = re.compile(
    rf"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^{_SPACE}A-Za-z0-9]+"
    rf"|[{_SPACE}]+(?![^{_SPACE}])|[{_SPACE}]+"
)
"""The tokenizer's own split of a text into words (its byte-level pre-tokenizer's
pattern, GPT-2's), written for ASCII text, where `\\p{L}` is `[A-Za-z]`, `\\p{N}` is
`[0-9]` and Unicode's white space the six characters of `_SPACE`."""
_SPECIAL = re.compile(r"<(?:EOT|META|META_START|META_END|SOS)>")
"""The tokenizer's special tokens, each one token wherever it stands."""
_word_counts: dict[str, int] = {}
_WORD_CACHE_SIZE = 1 << 16


def _by_words(text: str, native: Callable[[str], int]) -> int:
    """`native(text)` for ASCII text without the tokenizer's special tokens (`_SPECIAL`,
    which it finds before anything else). The tokenizer normalises (NFKC: nothing to do
    in ASCII), splits into words by `_WORDS` and merges each word's bytes alone, so the
    count is the sum of the words' counts; and words recur (names, keywords,
    indentation), so each is counted once, by a call of its own (a few microseconds).
    A text of many new words is counted whole, as before there were words to reuse,
    and teaches only `_LEARNED_PER_TEXT` of them: a first tool result costs about what
    it did, and the next ones of its kind much less. A test compares both ways with
    the tokenizer's own count of the whole."""
    words = _WORDS.findall(text)
    counts = _word_counts
    new = [word for word in dict.fromkeys(words) if word not in counts]
    if len(counts) + len(new) > _WORD_CACHE_SIZE:
        counts.clear()
        new = list(dict.fromkeys(words))
    if len(new) > _FEW_NEW:
        for word in new[:_LEARNED_PER_TEXT]:
            counts[word] = native(word)
        return native(text)
    for word in new:
        counts[word] = native(word)
    return sum(counts[word] for word in words)


_FEW_NEW = 16
"""New words counted one by one; with more, the text is counted whole (a 192-character
sample of code: some 150-300 microseconds)."""
_LEARNED_PER_TEXT = 8
"""New words a text counted whole still teaches (a call each)."""


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest head of `text` within `limit` tokens, found by shrinking a
    proportional guess; it ends at a line break when one is near the end."""
    if limit <= 0:
        return ""
    total = count_tokens(text)
    if total <= limit:
        return text
    chars = int(len(text) * limit / total)
    while chars > 0:
        head = text[:chars]
        if count_tokens(head) <= limit:
            line_end = head.rfind("\n", int(chars * 0.8))
            return head[: line_end + 1] if line_end > 0 else head
        chars = int(chars * 0.9)
    return ""
