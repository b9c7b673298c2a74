"""Pausing Python's cycle collector while a large acyclic structure is built.

Parsing a 5 MB rulebook makes millions of objects (tokens, AST nodes, spans)
and no reference cycles. While they are made, the collector would walk the
ever-growing heap again and again (a quarter of `kok lint`'s time on a 20,000
requirement book) and find nothing to free. Reference counting still frees
everything as usual; the collector runs again when the block ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector inside the block, if it was enabled (nests)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
