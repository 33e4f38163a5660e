"""Read the README's quick start: ``demo`` (line 1) or ``test`` (line 2).

``tests/suites/test_readme.py`` uses it to check the block's shape and that ``.ci/run``
holds the test command verbatim; ``python3 tools/quickstart.py demo`` prints one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def quickstart_commands(text: str) -> list[str]:
    """The lines of the first fenced code block after the ``## Quick start`` heading."""
    section = text.split("\n## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S)
    if block is None:
        raise SystemExit("README.md: no fenced code block under '## Quick start'")
    return [line for line in block.group(1).splitlines() if line.strip()]


if __name__ == "__main__":
    which = {"demo": 0, "test": 1}[sys.argv[1]]
    print(quickstart_commands(README.read_text(encoding="utf-8"))[which])
