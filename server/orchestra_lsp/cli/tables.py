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
    never inside one. A column empty in every row is left out, so that the rest fit a
    narrow terminal; in one too narrow even so, a row runs on, unbroken, as a long line
    does, rather than being cut off."""
    kept = [i for i in range(len(columns)) if i == 0 or any(row[i] for row in rows)]
    table = Table(title=title, show_lines=False, expand=False)
    for index in kept:
        column = columns[index]
        cells = [row[index] for row in rows]
        whole = index == 0 or column in paths
        if column in short:
            least = max(len(column), *map(len, cells))
        else:
            least = max(len(word) for text in [column, *cells] for word in text.split() or [""])
        table.add_column(
            column,
            overflow="ignore" if whole else "fold",
            no_wrap=whole,
            min_width=None if whole else least,
        )
    for row in rows:
        table.add_row(*(escape(row[index]) for index in kept))
    console = Console()
    Console(width=None if console.is_terminal else PIPED_WIDTH).print(table, crop=False)
