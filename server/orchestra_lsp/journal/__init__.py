"""Durable run records under `<workspace>/.orchestra/runs/<run-id>/`: the engine writes
through :class:`RunJournal`, front ends read through :func:`list_runs` and
:func:`load_run`, and nothing is written before :class:`Redactor` has removed secrets."""

from orchestra_lsp.journal.artifacts import Artifact, ArtifactCollector
from orchestra_lsp.journal.ids import is_run_id, new_run_id
from orchestra_lsp.journal.models import RunMeta, RunRecord, RunState, RunSummary
from orchestra_lsp.journal.reader import (
    RunNotFoundError,
    list_runs,
    load_run,
    load_run_folder,
    read_events,
    settle_pending,
)
from orchestra_lsp.journal.writer import JournalWriteError, RunJournal
from orchestra_lsp.redaction import REDACTED, RedactingFilter, Redactor

__all__ = [
    "REDACTED",
    "Artifact",
    "ArtifactCollector",
    "JournalWriteError",
    "RedactingFilter",
    "Redactor",
    "RunJournal",
    "RunMeta",
    "RunNotFoundError",
    "RunRecord",
    "RunState",
    "RunSummary",
    "is_run_id",
    "list_runs",
    "load_run",
    "load_run_folder",
    "new_run_id",
    "read_events",
    "settle_pending",
]
