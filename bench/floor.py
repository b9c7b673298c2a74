"""The floor of `kok rerun --format json`: a bare script that only reads each
self-report, parses it with PyYAML's C loader and dumps them all as JSON.

    python -m bench.floor CENTRES_DIR

No checks, no decisions: what no rerun can go below in Python. `kok rerun
--format json` is measured against it (issue 23: at most 1.1× at 1,200
centres, 1.15× at 12,000).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    centres = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")):
        centres.append({"file": str(path), "facts": yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)})
    print(json.dumps({"centres": centres}, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
