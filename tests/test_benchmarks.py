"""Smoke tests of the benchmark scripts: each runs one tiny case from a plain clone.

Each script is run as a user runs it (a fresh interpreter, ``python benchmarks/x.py``) in
its ``--dry`` mode: inputs shrunk 16x, one round, one thread.  Nothing is timed here; the
point is that the scripts, their cases (``benchmarks/cases.py``) and the pixelgrid calls
they make still work together, with no files outside the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _run(script: str, *args: str) -> str:
    env = dict(os.environ, PIXELGRID_NUM_THREADS="1", OMP_NUM_THREADS="1")
    # from another working directory: the scripts must not depend on where they start
    proc = subprocess.run([sys.executable, str(BENCH / script), "--dry", *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_cases_are_defined_inside_the_repository() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import cases
    finally:
        sys.path.remove(str(BENCH))
    # the anchor cases keep their names (the README table is keyed by them)
    assert cases.CASE_ORDER == [
        "up2_bilinear_u8", "down4_aa_bicubic_u8", "down_lanczos_u8",
        "up2_bilinear_f32_nchw_ac0", "up2_bilinear_f32_nchw_ac1", "up_bicubic_f32",
        "arbitrary_ratio_bilinear_f32", "trilinear_f32"]
    for name in cases.CASE_ORDER:
        x = cases.get_input(name, 1 / 16)
        assert x.shape == cases.shapes(name, 1 / 16)[0]
        assert str(x.dtype) == cases.CASES[name]["dtype"]
    for script in ("bench_resize.py", "bench_compat.py"):
        text = (BENCH / script).read_text()
        assert "../shared" not in text and "/work/" not in text  # no path outside the clone


def test_bench_resize_dry_run() -> None:
    pytest.importorskip("cv2")
    out = _run("bench_resize.py", "--cases", "up2_bilinear_u8")
    assert "| up2_bilinear_u8 | 1 |" in out


def test_bench_compat_dry_run() -> None:
    pytest.importorskip("cv2")
    out = _run("bench_compat.py", "--cases", "opencv_u8_linear")
    assert "opencv_u8_linear" in out
    assert "bit-exact" in out  # the agreement check ran before the timing


def test_bench_compat_markdown_table() -> None:
    pytest.importorskip("PIL")
    out = _run("bench_compat.py", "--cases", "pillow_rgb_nearest_down", "--markdown")
    rows = [ln for ln in out.splitlines() if ln.startswith("| pillow_rgb_nearest_down |")]
    assert len(rows) == 1
    assert rows[0].count("|") == out.splitlines()[2].count("|")  # same columns as the header


def test_bench_small_dry_run() -> None:
    pytest.importorskip("cv2")
    out = _run("bench_small.py", "--cases", "opencv_u8_linear,opencv_f32_nearest")
    lines = [ln for ln in out.splitlines() if ln.startswith("| compat.opencv.resize")]
    assert len(lines) == 2 and all("bit-exact" in ln for ln in lines), out
