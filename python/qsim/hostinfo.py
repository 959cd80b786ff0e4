"""The host a figure was measured on: CPU model and ISA features (from
``/proc/cpuinfo``), core count, load and the checkout's commit.

Benchmarks print these next to every number (timings mean little without
the CPU and the commit), and the kernel tests pick the targets the host can
run from :func:`features`.  Where ``/proc/cpuinfo`` cannot be read (not
Linux), the model is ``"unknown"`` and no feature is present.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, Optional, Set, Union

__all__ = ["cpuinfo", "cpu_flags", "FEATURES", "features", "host_info",
           "cpu_description", "load_average", "git_commit"]

CPUINFO = Path("/proc/cpuinfo")

#: The ISA features the kernels choose by, and the /proc/cpuinfo flag
#: spellings of each (VNNI under both spellings kernels have printed).
FEATURES = {
    "avx2": ("avx2",),
    "fma": ("fma",),
    "avx512f": ("avx512f",),
    "avx512bw": ("avx512bw",),
    "avx512vnni": ("avx512_vnni", "avx512vnni"),
    "avxvnni": ("avx_vnni", "avxvnni"),
}


def cpuinfo(path: Union[str, os.PathLike] = CPUINFO) -> Dict[str, str]:
    """The fields of the first processor in ``path`` (``{"model name":
    ..., "flags": ..., ...}``); ``{}`` when the file cannot be read."""
    try:
        text = Path(path).read_text()
    except OSError:
        return {}
    info: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if info:
                break  # the first processor's block ends here
            continue
        key, sep, value = line.partition(":")
        if sep:
            info.setdefault(key.strip(), value.strip())
    return info


def cpu_flags(info: Optional[Dict[str, str]] = None) -> Set[str]:
    """The flags of the first processor (``info`` defaults to :func:`cpuinfo`)."""
    return set((cpuinfo() if info is None else info).get("flags", "").split())


def features(flags: Optional[Set[str]] = None) -> Dict[str, bool]:
    """Each of :data:`FEATURES`: whether the host (or ``flags``) has it."""
    flags = cpu_flags() if flags is None else flags
    return {name: any(s in flags for s in spellings) for name, spellings in FEATURES.items()}


def host_info(path: Union[str, os.PathLike] = CPUINFO) -> Dict[str, object]:
    """``{"model", "mhz", "features", "cores"}`` of the host."""
    info = cpuinfo(path)
    try:
        mhz: Optional[float] = float(info["cpu MHz"])
    except (KeyError, ValueError):
        mhz = None
    return {"model": info.get("model name", "unknown"), "mhz": mhz,
            "features": features(cpu_flags(info)), "cores": os.cpu_count()}


def cpu_description(path: Union[str, os.PathLike] = CPUINFO) -> str:
    """``"<model name> (family F model M; avx2, avx512f, ...)"``: the line
    a benchmark report names its CPU with."""
    info = cpuinfo(path)
    if not info:
        return "unknown CPU"
    have = [n for n, on in features(cpu_flags(info)).items() if on]
    return (f"{info.get('model name', '?')} (family {info.get('cpu family', '?')} model "
            f"{info.get('model', '?')}; {', '.join(have) or 'no AVX2'})")


def load_average() -> str:
    """1/5/15-minute load averages: on a shared machine, the context of
    every time printed."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def git_commit(repo: Optional[Union[str, os.PathLike]] = None) -> str:
    """The short commit of the checkout at ``repo`` (default: this one),
    ``+dirty`` with uncommitted changes to tracked files; ``"unknown"``
    outside a git checkout."""
    if repo is None:
        repo = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=30)
        if rev.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return rev.stdout.strip() + ("+dirty" if dirty else "")
