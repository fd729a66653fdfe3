"""Tables and text for the terminal, readable when piped too, never wrapping a path."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from orchestra_lsp.cli.console import TerminalConsole

#: Piped tables get a readable width instead of rich's 80 columns; paths still run whole.
PIPED_WIDTH = 140


def unwrapped_console() -> Console:
    """A console that never breaks a printed line: rich wraps at 80 columns when the
    output is not a terminal, and a path broken in two cannot be copied."""
    return TerminalConsole(highlight=False, soft_wrap=True)


def print_table(
    title: str,
    columns: list[str],
    rows: list[list[str]],
    *,
    paths: tuple[str, ...] = ("from",),
    short: tuple[str, ...] = (),
) -> None:
    """The first column (the name to type next) and the `paths` columns never wrap;
    `short` columns (a state, a time, a cost) neither; the others wrap between words. A
    column empty in every row is left out. In a terminal too narrow for that table, each
    row is printed as a record instead (`_print_records`): a table squeezed narrower
    would break words, or leave the prose columns a few characters wide."""
    kept = [i for i in range(len(columns)) if i == 0 or any(row[i] for row in rows)]
    console = Console()
    console = TerminalConsole(width=None if console.is_terminal else PIPED_WIDTH)
    widths: dict[int, int] = {}  # the least each column takes without breaking a word
    for index in kept:
        texts = [columns[index], *(row[index] for row in rows)]
        if index == 0 or columns[index] in paths or columns[index] in short:
            widths[index] = max(map(len, texts))
        else:
            widths[index] = max(len(word) for text in texts for word in text.split() or [""])
    # Each column has a space either side and a rule after it, the table one before.
    words_fit = sum(widths.values()) + 3 * len(kept) + 1 <= console.width
    if not words_fit:
        _print_records(console, title, [columns[i] for i in kept], rows, kept, paths)
        return
    table = Table(title=title, show_lines=False, expand=False)
    for index in kept:
        column = columns[index]
        whole = index == 0 or column in paths
        table.add_column(
            column,
            overflow="ignore" if whole else "fold",
            no_wrap=whole,
            min_width=None if whole else widths[index],
        )
    for row in rows:
        table.add_row(*(escape(row[index]) for index in kept))
    console.print(table, crop=False)


def _print_records(
    console: Console,
    title: str,
    names: list[str],
    rows: list[list[str]],
    kept: list[int],
    paths: tuple[str, ...],
) -> None:
    """Each row as a few lines: its name and paths (whole, to copy), then each other
    column as `column: value`, wrapped between words at the terminal's width."""
    console.print(f"[bold]{escape(title)}[/]", highlight=False)
    for row in rows:
        head = [escape(row[i]) for i, name in zip(kept, names, strict=True) if name in paths]
        console.print()
        first = "  ".join([f"[bold]{escape(row[kept[0]])}[/]", *head])
        console.print(first, soft_wrap=True, highlight=False)
        for index, name in zip(kept[1:], names[1:], strict=True):
            if name not in paths and row[index]:
                line = Text.from_markup(f"[dim]{escape(name)}:[/] {escape(row[index])}")
                console.print(Padding(line, (0, 0, 0, 2)), highlight=False)
