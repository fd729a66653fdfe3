"""Tables and text for the terminal, readable when piped too, never wrapping a path."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: Piped tables get a readable width instead of rich's 80 columns; paths still run whole.
PIPED_WIDTH = 140


def unwrapped_console() -> Console:
    """A console that never breaks a printed line: rich wraps at 80 columns when the
    output is not a terminal, and a path broken in two cannot be copied."""
    return Console(highlight=False, soft_wrap=True)


def print_table(
    title: str,
    columns: list[str],
    rows: list[list[str]],
    *,
    paths: tuple[str, ...] = ("from",),
    short: tuple[str, ...] = (),
) -> None:
    """The first column (the name to type next) and the `paths` columns never wrap;
    `short` columns (a state, a time, a cost) neither; the others wrap between words,
    and inside a word only where the terminal is too narrow for the longest words. A
    column empty in every row is left out, so that the rest fit a narrow terminal; in
    one too narrow even so, a row runs on, unbroken, as a long line does."""
    kept = [i for i in range(len(columns)) if i == 0 or any(row[i] for row in rows)]
    console = Console()
    console = Console(width=None if console.is_terminal else PIPED_WIDTH)
    widths: dict[int, int] = {}  # the least each column takes without breaking a word
    for index in kept:
        texts = [columns[index], *(row[index] for row in rows)]
        if index == 0 or columns[index] in paths or columns[index] in short:
            widths[index] = max(map(len, texts))
        else:
            widths[index] = max(len(word) for text in texts for word in text.split() or [""])
    # Each column has a space either side and a rule after it, the table one before.
    words_fit = sum(widths.values()) + 3 * len(kept) + 1 <= console.width
    table = Table(title=title, show_lines=False, expand=False)
    for index in kept:
        column = columns[index]
        whole = index == 0 or column in paths
        keep_words = column in short or (words_fit and not whole)
        table.add_column(
            column,
            overflow="ignore" if whole else "fold",
            no_wrap=whole,
            min_width=widths[index] if keep_words else None,
        )
    for row in rows:
        table.add_row(*(escape(row[index]) for index in kept))
    console.print(table, crop=False)
