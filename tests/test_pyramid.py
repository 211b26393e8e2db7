"""pixelgrid.pyramid, pyramid_transforms and the ``pixelgrid pyramid`` OME-Zarr command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import pixelgrid
from pixelgrid import cli


def test_levels_are_resizes_of_the_previous_level() -> None:
    x = np.random.default_rng(0).random((37, 50, 3)).astype(np.float32)
    lv = pixelgrid.pyramid(x, 4, kernel="lanczos3")
    assert [a.shape for a in lv] == [(37, 50, 3), (18, 25, 3), (9, 12, 3), (4, 6, 3)]
    assert lv[0] is x
    for k in range(1, 4):
        assert np.array_equal(lv[k], pixelgrid.resize(lv[k - 1], lv[k].shape[:2],
                                                      kernel="lanczos3"))
    direct = pixelgrid.pyramid(x, 3, method="direct")
    assert np.array_equal(direct[2], pixelgrid.resize(x, (9, 12), kernel="area"))


def test_transforms_hand_derived() -> None:
    # half_pixel, 8 -> 4 -> 2: level-1 pixel i covers level-0 pixels 2i, 2i+1 (centre
    # 2i + 0.5); level 2 covers 4i..4i+3 (centre 4i + 1.5)
    t = pixelgrid.pyramid_transforms((8, 5, 3), 3)
    assert t[1] == ([2.0, 2.5, 1.0], [0.5, 0.75, 0.0])
    # axis 1: 5 -> 2 (scale 5/2: pixel i covers [2.5 i - 0.5, 2.5 i + 2], centre 2.5 i + 0.75)
    # -> 1 (level-1 pixel 0 of 2 at 0.5 -> 2.5 * 0.5 + 0.75 = 2: the centre of 0..4)
    assert t[2] == ([4.0, 5.0, 1.0], [1.5, 2.0, 0.0])
    # align_corners 9 -> 4: the corners stay (x_0 = 8/3 i)
    t = pixelgrid.pyramid_transforms((9,), 2, grid="align_corners")
    assert t[1] == ([8 / 3], [0.0])
    with pytest.raises(ValueError, match="levels"):
        pixelgrid.pyramid_transforms((8,), 0)
    with pytest.raises(ValueError, match="factor"):
        pixelgrid.pyramid(np.zeros(8), 2, factor=1)


def test_transforms_place_a_ramp() -> None:
    # A ramp whose value is the level-0 x position: box-averaging an exact 2x cell gives its
    # centre, so every level's value at sample i is scale * i + translation
    x = np.broadcast_to(np.arange(64.0), (16, 64)).copy()
    lv = pixelgrid.pyramid(x, 5, kernel="area")
    for a, (scale, trans) in zip(lv, pixelgrid.pyramid_transforms(x.shape, 5), strict=True):
        assert np.array_equal(a[0], scale[1] * np.arange(a.shape[1]) + trans[1])


def test_dask_pyramid_is_lazy_and_identical() -> None:
    da = pytest.importorskip("dask.array")
    x = (np.random.default_rng(1).random((70, 90)) * 255).astype(np.uint8)
    lv = pixelgrid.pyramid(da.from_array(x, chunks=16), 4, kernel="cubic")
    assert all(isinstance(a, da.Array) for a in lv)
    for a, b in zip(lv, pixelgrid.pyramid(x, 4, kernel="cubic"), strict=True):
        assert np.array_equal(a.compute(), b)


def _write_tiff(path: Path, a: np.ndarray) -> None:
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(path, a, tile=(64, 64), photometric="rgb" if a.ndim == 3 else None)


def _check_store(out: Path, x_cyx: np.ndarray, levels: int, kernel: str) -> None:
    zarr = pytest.importorskip("zarr")
    root = zarr.open_group(str(out), mode="r")
    ms = root.attrs["multiscales"][0]
    assert ms["version"] == "0.4"
    names = [a["name"] for a in ms["axes"]]
    assert names == ["c", "y", "x"][3 - x_cyx.ndim:]
    expected = pixelgrid.pyramid(x_cyx, levels, axes=(-2, -1), kernel=kernel)
    transforms = pixelgrid.pyramid_transforms(x_cyx.shape, levels, axes=(-2, -1))
    for k, ds in enumerate(ms["datasets"]):
        # 0.4: one scale, then one translation, one value per axis
        scale, trans = ds["coordinateTransformations"]
        assert scale["type"] == "scale" and trans["type"] == "translation"
        assert (scale["scale"], trans["translation"]) == transforms[k]
        arr = root[ds["path"]]
        assert arr.metadata.dimension_separator == "/"
        assert np.array_equal(arr[...], expected[k])


def test_cli_tiff_to_ome_zarr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask.array")
    x = (np.random.default_rng(2).random((300, 260, 3)) * 255).astype(np.uint8)
    _write_tiff(tmp_path / "in.tif", x)
    out = tmp_path / "out.ome.zarr"
    rc = cli.main(["pyramid", str(tmp_path / "in.tif"), str(out), "--levels", "4",
                   "--chunks", "64", "--kernel", "lanczos3", "--pixel-size", "0.5",
                   "--unit", "micrometer"])
    err = capsys.readouterr()
    assert rc == 0, err.err
    assert "100% Completed" in err.err  # Dask's progress bar
    assert sorted(os.listdir(tmp_path)) == ["in.tif", "out.ome.zarr"]  # no temp left
    zarr = pytest.importorskip("zarr")
    ms = zarr.open_group(str(out), mode="r").attrs["multiscales"][0]
    assert ms["axes"][1] == {"name": "y", "type": "space", "unit": "micrometer"}
    # level 1 of 300x260: scale 2 * 0.5 um, translation 0.5 px * 0.5 um
    assert ms["datasets"][1]["coordinateTransformations"] == [
        {"type": "scale", "scale": [1.0, 1.0, 1.0]},
        {"type": "translation", "translation": [0.0, 0.25, 0.25]}]
    # the rest against pixel units: rewrite with the default pixel size
    rc = cli.main(["pyramid", str(tmp_path / "in.tif"), str(out), "--levels", "4",
                   "--kernel", "lanczos3", "--overwrite", "--quiet"])
    assert rc == 0
    _check_store(out, np.moveaxis(x, -1, 0), 4, "lanczos3")


def test_cli_reads_with_ome_zarr(tmp_path: Path) -> None:
    pytest.importorskip("dask.array")
    pytest.importorskip("ome_zarr")
    from ome_zarr.format import FormatV04
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    x = (np.random.default_rng(3).random((120, 90)) * 65535).astype(np.uint16)
    PIL = pytest.importorskip("PIL.Image")
    PIL.fromarray(x).save(tmp_path / "in.png")
    out = tmp_path / "out.ome.zarr"
    assert cli.main(["pyramid", str(tmp_path / "in.png"), str(out), "--levels", "3",
                     "--quiet"]) == 0
    node = next(iter(Reader(parse_url(str(out), fmt=FormatV04()))()))
    assert any(isinstance(s, Multiscales) for s in node.specs)
    assert [tuple(d.shape) for d in node.data] == [(120, 90), (60, 45), (30, 22)]
    got = node.metadata["coordinateTransformations"]
    want = pixelgrid.pyramid_transforms((120, 90), 3)
    assert [(t[0]["scale"], t[1]["translation"]) for t in got] == want
    # 90 -> 45 -> 22: scale 90/22, translation (90/22 - 1)/2 (edges align)
    assert got[2][0]["scale"][1] == 90 / 22 and got[2][1]["translation"][1] == (90 / 22 - 1) / 2
    lv = pixelgrid.pyramid(x, 3, kernel="area")
    for d, e in zip(node.data, lv, strict=True):
        assert np.array_equal(np.asarray(d), e)


def test_cli_zarr_input_and_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    da = pytest.importorskip("dask.array")
    zarr = pytest.importorskip("zarr")
    x = (np.random.default_rng(4).random((2, 200, 150)) * 255).astype(np.uint8)
    src = zarr.create_array(str(tmp_path / "in.zarr"), shape=x.shape, chunks=(1, 64, 64),
                            dtype=x.dtype)
    src[...] = x
    out = tmp_path / "out.ome.zarr"
    assert cli.main(["pyramid", str(tmp_path / "in.zarr"), str(out), "--levels", "3",
                     "--quiet"]) == 0
    _check_store(out, x, 3, "area")
    # an existing output is refused without --overwrite
    assert cli.main(["pyramid", str(tmp_path / "in.zarr"), str(out), "--levels", "2",
                     "--quiet"]) == 1
    # a run that fails mid-write leaves the old output as it was and no temporary
    before = json.loads((out / ".zattrs").read_text())

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(da, "store", boom)
    assert cli.main(["pyramid", str(tmp_path / "in.zarr"), str(out), "--levels", "2",
                     "--overwrite", "--quiet"]) == 1
    assert json.loads((out / ".zattrs").read_text()) == before
    assert sorted(os.listdir(tmp_path)) == ["in.zarr", "out.ome.zarr"]
    # a killed run's temporary (its process is gone) is removed by the next run
    stale = tmp_path / ".new.ome.zarr.pixelgrid-999999999.tmp"
    stale.mkdir()
    monkeypatch.undo()
    assert cli.main(["pyramid", str(tmp_path / "in.zarr"), str(tmp_path / "new.ome.zarr"),
                     "--levels", "2", "--quiet"]) == 0
    assert not stale.exists()
