"""`python -m orchestra_lsp` is the `orchestra` command."""

from orchestra_lsp.cli import main

raise SystemExit(main())
