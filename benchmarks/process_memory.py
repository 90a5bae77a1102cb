"""Memory figures of the running process, shared by the benchmark scripts (run as `python benchmarks/X.py`).

Read from /proc/self/status: VmHWM is this process's own peak resident set (ru_maxrss is not, on Linux, for a
child started by fork + exec: it inherits its parent's peak).
"""

from __future__ import annotations

from pathlib import Path

STATUS = Path("/proc/self/status")


def status_kib(field: str = "VmHWM") -> int:
    """A memory figure of this process in KiB, e.g. VmHWM (peak resident) or VmRSS; -1 where unavailable."""
    if not STATUS.exists():
        return -1
    for line in STATUS.read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1
