"""The deprecated-model table, read from the SDK's source without importing the SDK."""

from __future__ import annotations

import subprocess
import sys

from orchestra_lsp.retirement import deprecated_models, end_of_life, known_models


def test_the_table_is_the_sdks_own() -> None:
    from anthropic._data import DEPRECATED_MODELS

    assert deprecated_models() == DEPRECATED_MODELS
    model, day = next(iter(DEPRECATED_MODELS.items()))  # the table changes by release
    assert end_of_life(model) == day
    assert end_of_life("claude-sonnet-5-5") is None


def test_reading_it_does_not_import_the_sdk() -> None:
    code = (
        "import sys\nfrom orchestra_lsp.retirement import deprecated_models\n"
        "assert deprecated_models()\nassert 'anthropic' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_model_list_is_the_sdks_own() -> None:
    from typing import get_args

    from anthropic.types import Model

    [listed, _str] = get_args(Model)
    assert known_models() == frozenset(get_args(listed))
