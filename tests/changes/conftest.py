"""Make the shared strategies importable as a plain module from these tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
