"""Streaming (non-temporal) stores or regular ones: the same bits (csrc/stream_stores.h).

The kernels that can stream an output (the float32 lerp rows and the uint8 passes of
csrc/models.h, the float32 rows of csrc/ipp_cubic.h, gather.cpp's window copies) store the
same values either way; they stream outputs of half the last-level cache or more by
default.  Each call below runs with every output streamed (threshold 0) and with none
(threshold 2**62), and the results are compared byte for byte; a third call checks that
the threshold is restored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import native

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled engine not built")


def _calls() -> list[tuple[str, Callable[[], Any]]]:
    from pixelgrid.compat import onnx as pgx
    from pixelgrid.compat import opencv as pgo
    from pixelgrid.compat import torch as pgt

    rng = np.random.default_rng(5)
    f32 = rng.random((700, 800, 3), dtype=np.float32)
    u8 = rng.integers(0, 256, (700, 800, 3), dtype=np.uint8)
    nchw = rng.random((2, 3, 300, 320), dtype=np.float32)
    lin, cub, near = pgo.INTER_LINEAR, pgo.INTER_CUBIC, pgo.INTER_NEAREST
    return [
        ("opencv f32 linear", lambda: pgo.resize(f32, (1500, 1300), interpolation=lin)),
        ("opencv f32 cubic", lambda: pgo.resize(f32, (1500, 1300), interpolation=cub)),
        ("opencv u8 linear", lambda: pgo.resize(u8, (1700, 1500), interpolation=lin)),
        ("opencv u8 cubic", lambda: pgo.resize(u8, (1700, 1500), interpolation=cub)),
        ("opencv f32 nearest", lambda: pgo.resize(f32, (1700, 1500), interpolation=near)),
        ("torch f32 bilinear", lambda: pgt.interpolate(nchw, size=(700, 760), mode="bilinear",
                                                       align_corners=False)),
        ("onnx u8 linear", lambda: pgx.resize(u8[None], sizes=(1, 1700, 1500, 3),
                                              mode="linear")),
    ]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_streamed_outputs_equal_regular_ones(threads: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    ext = native._ext
    default = ext.stream_min_bytes(1 << 62)
    try:
        assert default >= 1 << 20  # half the last-level cache (16 MiB where unknown)
        for name, call in _calls():
            plain = call()
            ext.stream_min_bytes(0)
            try:
                streamed = call()
            finally:
                ext.stream_min_bytes(1 << 62)
            assert plain.dtype == streamed.dtype and plain.shape == streamed.shape, name
            assert plain.tobytes() == streamed.tobytes(), name
    finally:
        assert ext.stream_min_bytes(default) == 1 << 62
