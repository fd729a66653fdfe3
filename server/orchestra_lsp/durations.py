"""Durations as people read them: `39 ms`, `1.2 s`, `2 min 5 s`, `1 h 3 min`.

The one formatter for every duration the CLI and the reports print (the journal keeps
milliseconds to the microsecond; nobody reads `38.628 ms`). VS Code's `formatDuration`
(editors/vscode/src/format.ts) and Neovim's `util.duration` (editors/nvim) copy its rules;
their tests hold them to it.
"""

from __future__ import annotations


def for_people(milliseconds: float | None) -> str:
    """`milliseconds` rounded to what a person needs: whole ms under a second, tenths of
    a second under a minute, then whole minutes and seconds, then hours and minutes.
    None or a negative value (a clock that stepped back) is `?`."""
    if milliseconds is None or milliseconds < 0:
        return "?"
    if 0 < milliseconds < 0.5:
        return "<1 ms"
    if round(milliseconds) < 1000:
        return f"{round(milliseconds)} ms"
    tenths = round(milliseconds / 100)
    if tenths < 600:
        return f"{tenths / 10:.1f} s"
    seconds = round(milliseconds / 1000)
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    minutes = round(milliseconds / 60000)
    return f"{minutes // 60} h {minutes % 60} min"
