"""What people look at after a run: one self-contained HTML page per run, built from
its journal (the report with its evidence inline, a timeline, cost, the reviewed diff)."""

from orchestra_lsp.reports.batch_page import write_batch_page
from orchestra_lsp.reports.page import (
    PAGE_FILE,
    render_run_page,
    write_page_of_run,
    write_run_page,
)
from orchestra_lsp.reports.timeline import Span, StepTimes, Timeline, Tokens, build_timeline

__all__ = [
    "PAGE_FILE",
    "Span",
    "StepTimes",
    "Timeline",
    "Tokens",
    "build_timeline",
    "render_run_page",
    "write_batch_page",
    "write_page_of_run",
    "write_run_page",
]
