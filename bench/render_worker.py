"""One process that assesses every centre in a folder and writes its HTML
findings report, through the functions `kok run --output html:FILE` calls
(pipeline.assess, report.render_report, output.write_atomic).

    python -m bench.render_worker RULEBOOK CENTRES_DIR OUT_DIR

Prints one JSON line: the seconds spent on the centres (after imports and the
rulebook) and the process's peak resident set size, measured by the process
itself so other children of the benchmark do not count.
"""

from __future__ import annotations

import datetime
import json
import resource
import sys
import time
from pathlib import Path

from kokdsl.outputs.files import write_atomic
from kokdsl.outputs.findings import render_report
from kokdsl.pipeline import assess, check_rulebook

RUN_DATE = datetime.date(2025, 3, 1)


def main(rulebook_path: str, centres_dir: str, out_dir: str) -> None:
    started = time.perf_counter()
    loaded = check_rulebook(rulebook_path)
    if not loaded.ok:
        raise SystemExit(f"{rulebook_path} has errors")
    work_started = time.perf_counter()
    centres = sorted(Path(centres_dir).glob("*.yaml"))
    for path in centres:
        assessment = assess(loaded.rulebook, path)
        html = render_report(assessment, "html", "sv", RUN_DATE, rulebook_path)
        write_atomic(Path(out_dir) / (path.stem + ".html"), html.encode("utf-8"))
    finished = time.perf_counter()
    print(json.dumps({
        "centres": len(centres),
        "rulebook_seconds": work_started - started,
        "centres_seconds": finished - work_started,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
