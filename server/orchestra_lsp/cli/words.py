"""Counts in the CLI's sentences: `1 agent`, `2 agents` (no rich import: `orchestra
check` prints them from its cache, where every import shows)."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` and `noun` (singular, made plural with an `s` unless `count` is 1)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
