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
    title: str, columns: list[str], rows: list[list[str]], *, paths: tuple[str, ...] = ("from",)
) -> None:
    """The first column (the name to type next) and the `paths` columns never wrap; in
    a terminal too narrow for them the row runs on, unbroken, as a long line does."""
    table = Table(title=title, show_lines=False, expand=False)
    for index, column in enumerate(columns):
        whole = index == 0 or column in paths
        table.add_column(column, overflow="ignore" if whole else "fold", no_wrap=whole)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console = Console()
    Console(width=None if console.is_terminal else PIPED_WIDTH).print(table)
