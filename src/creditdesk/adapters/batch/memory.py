"""The peak memory of a run: this process and every process it started, together.

A run's buckets compute in worker processes (and Spark's in a JVM and its Python workers), so
the peak of any one process understates what the machine needed. A thread samples the resident
memory of the whole process tree from /proc twice a second; where there is no /proc, the peak
of this process and of its largest finished child is what is known.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
INTERVAL_SECONDS = 0.5


def _parents() -> dict[int, int]:
    found = {}
    for entry in PROC.glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:  # the process ended while we looked
            continue
        # The name in parentheses may hold spaces: the fields after its closing one are fixed.
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.parent.name)] = int(fields[1])
    return found


def _resident_kib(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_resident_kib(root: int) -> int:
    """The resident memory of ``root`` and all its descendants now."""
    parents = _parents()
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(_resident_kib(pid) for pid in tree)


def single_process_peak_mib() -> float:
    """The peak of this process or of its largest finished child (getrusage; KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.mib``: the largest total seen."""

    def __init__(self) -> None:
        self._peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="peak-memory", daemon=True)

    def _watch(self) -> None:
        root = os.getpid()
        while True:
            self._peak_kib = max(self._peak_kib, tree_resident_kib(root))
            if self._stop.wait(INTERVAL_SECONDS):
                return

    def __enter__(self) -> PeakMemory:
        if PROC.is_dir():
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()

    @property
    def mib(self) -> float:
        return max(self._peak_kib / 1024, single_process_peak_mib())
