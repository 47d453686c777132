"""The import contracts in pyproject.toml ([tool.importlinter]): apps depend on each other in one
direction, the ML core imports no product app, entry points reach data only through services and
selectors. A new back-edge fails here with the offending import chain."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
