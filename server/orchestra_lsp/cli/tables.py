"""Tables for the terminal, readable when piped too."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """The first column never wraps (it is the name to type next)."""
    table = Table(title=title, show_lines=False, expand=False)
    for index, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console = Console()
    # Piped output gets a readable width instead of rich's 80 columns.
    Console(width=None if console.is_terminal else 140).print(table)
