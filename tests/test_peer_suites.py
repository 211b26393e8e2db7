"""The peers' own resize tests, run through pixelgrid's emulations.

Each peer's test files run twice in a subprocess pytest: once against the real
library and once with its resize functions routed to pixelgrid's emulation by
``tests/peer_shims/pixelgrid_peer_shim.py`` (which calls are routed is listed
there).  Every test that passes with the real library must pass through the
shim, except the differences listed in ``KNOWN`` below, each of which is also a
strict xfail (so a fixed difference fails until it is taken off the list).

The test files come from the packages themselves, never from this repository:

* SciPy installs its tests with the wheel (``scipy.ndimage.tests``).
* Pillow 13.0.0 and scikit-image 0.26.0 ship theirs in the sdists only.  They
  are downloaded once into ``~/.cache/pixelgrid-peer-suites`` (override with
  ``PIXELGRID_PEER_CACHE``), and only the test files and the images they read
  are extracted.  Pillow's sdist comes from ``pip download --no-binary``;
  scikit-image's from the package index's JSON API with its sha256 checked,
  because pip prepares an sdist's metadata by building it, which for
  scikit-image (meson) compiles the whole package.

Without network access and an empty cache these tests skip.  Set
``PIXELGRID_PEER_SUITES=0`` to skip them on purpose.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHIMS = HERE / "peer_shims"
CACHE = Path(os.environ.get("PIXELGRID_PEER_CACHE",
                            Path.home() / ".cache" / "pixelgrid-peer-suites"))

pytestmark = pytest.mark.skipif(os.environ.get("PIXELGRID_PEER_SUITES") == "0",
                                reason="PIXELGRID_PEER_SUITES=0")


@dataclass(frozen=True)
class Peer:
    """One peer suite: where its test files come from and how pytest runs them."""

    name: str  # the shim's name for it
    module: str  # the package that must be importable at the pinned version
    version: str
    files: tuple[str, ...]  # test files, relative to the extracted root
    options: tuple[str, ...] = ()  # the peer's own pytest settings that matter


PEERS = {
    "pillow": Peer("pillow", "PIL", "13.0.0",
                   ("Tests/test_image_resample.py", "Tests/test_image_resize.py",
                    "Tests/test_image_reduce.py")),
    # scikit-image's pyproject: warnings are errors, xfails strict.
    "skimage": Peer("skimage", "skimage", "0.26.0",
                    ("tests/skimage/transform/test_warps.py",),
                    ("-o", "xfail_strict=true", "-W", "error")),
    "scipy": Peer("scipy", "scipy", "1.17.1", ("scipy.ndimage.tests.test_interpolation",)),
}

#: Tests that pass with the real library and not through the shim, with why.  Each is
#: a strict xfail in ``test_known_difference``: remove an entry once it passes.
_PASSES = ("Pillow counts the core images it allocates (``Image.core.get_stats()``); the "
           "emulation builds its result with ``Image.fromarray``: an implementation detail, "
           "not a pixel difference")
KNOWN: dict[str, dict[str, str]] = {
    "pillow": {
        **{f"Tests.test_image_resample.TestCoreResamplePasses::test_{t}": _PASSES
           for t in ("horizontal", "vertical", "box_horizontal", "box_vertical")},
    },
    "skimage": {},
    "scipy": {},
}


def _pip_download(spec: str, name: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--no-binary", name, spec, "-d", str(CACHE)],
                   check=True, capture_output=True, timeout=300)


def _index_url() -> str:
    """The index pip itself uses: ``PIP_INDEX_URL``, pip's configuration, or pip's default."""
    url = os.environ.get("PIP_INDEX_URL", "")
    if not url:
        got = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"],
                             capture_output=True, text=True, timeout=60)
        url = got.stdout.strip() if got.returncode == 0 else ""
    if not url:
        from pip._internal.models.index import PyPI  # pip's own default index

        url = PyPI.simple_url
    return url.rstrip("/")


def _index_download(project: str, filename: str) -> None:
    """``filename`` from the package index's simple JSON API (PEP 691), sha256 checked."""
    req = urllib.request.Request(f"{_index_url()}/{project}/",
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        files = json.load(r)["files"]
    (entry,) = [f for f in files if f["filename"] == filename]
    with urllib.request.urlopen(entry["url"], timeout=300) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != entry["hashes"]["sha256"]:
        raise OSError(f"{filename}: sha256 does not match the index")
    tmp = CACHE / (filename + ".part")
    tmp.write_bytes(data)
    tmp.replace(CACHE / filename)


def _sdist(peer: Peer) -> Path:
    """The peer's sdist in the cache, downloaded once."""
    filename = {"pillow": f"pillow-{peer.version}.tar.gz",
                "skimage": f"scikit_image-{peer.version}.tar.gz"}[peer.name]
    path = CACHE / filename
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            if peer.name == "pillow":
                _pip_download(f"pillow=={peer.version}", "pillow")
            else:
                _index_download("scikit-image", filename)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            pytest.skip(f"cannot download the {peer.name} sdist: {e}")
    return path


_IMAGE = re.compile(r"Tests/images/[\w.\-/]+\.\w+")


def _extract(peer: Peer) -> Path:
    """Extract the test files (and, for Pillow, the images they name) once; the root."""
    root = CACHE / f"{peer.name}-{peer.version}-tests"
    done = root / ".complete"
    if done.exists():
        return root
    with tarfile.open(_sdist(peer)) as tar:
        top = tar.getnames()[0].split("/")[0]
        wanted = set(peer.files)
        if peer.name == "pillow":
            wanted |= {"Tests/__init__.py", "Tests/helper.py", "Tests/conftest.py"}
        members = {m.name[len(top) + 1:]: m for m in tar.getmembers() if m.isfile()}
        texts = {}
        for name in sorted(wanted):
            f = tar.extractfile(members[name])
            assert f is not None
            texts[name] = f.read()
        if peer.name == "pillow":
            # every image the test files or the helper name, and hopper in each format
            for text in texts.values():
                wanted |= {m for m in _IMAGE.findall(text.decode()) if m in members}
            wanted |= {n for n in members if n.startswith("Tests/images/hopper.")}
        for name in sorted(wanted):
            f = tar.extractfile(members[name])
            assert f is not None
            dest = root / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(f.read())
    done.write_text("")
    return root


@dataclass(frozen=True)
class Run:
    """Outcome of one pytest run: test id -> outcome, and the shim's call counts."""

    outcomes: dict[str, str]
    calls: dict[str, int]
    output: str

    def ids(self, outcome: str) -> set[str]:
        return {k for k, v in self.outcomes.items() if v == outcome}


def _junit_outcomes(path: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        skipped = case.find("skipped")
        if "failure" in tags or "error" in tags:
            out[key] = "failed"
        elif skipped is not None:
            xfail = (skipped.get("type") == "pytest.xfail")
            out[key] = "xfailed" if xfail else "skipped"
        else:
            out[key] = "passed"
    return out


#: Address-space cap of a suite's process (set by the shim plugin in the child): a test
#: that would allocate more fails with MemoryError instead of exhausting the machine.
MEMORY_LIMIT = 6 << 30


def _run(peer: Peer, shim: str, tmp: Path) -> Run:
    if peer.name == "scipy":
        import scipy

        root = Path(scipy.__file__).parent
        where = ["--pyargs", *peer.files, "--confcutdir", str(root), "--rootdir", str(root)]
        cwd = tmp
    else:
        root = _extract(peer)
        where = [*peer.files, "--confcutdir", str(root), "--rootdir", str(root)]
        cwd = root  # Pillow's tests open "Tests/images/..." relative to the working dir
    junit = tmp / f"{peer.name}-{shim}.xml"
    log = tmp / f"{peer.name}-{shim}.json"
    env = {**os.environ, "PIXELGRID_PEER_SHIM": shim, "PIXELGRID_PEER_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(SHIMS), os.environ.get("PYTHONPATH", "")]),
           "PYTHONDONTWRITEBYTECODE": "1", "PIXELGRID_PEER_MEMORY": str(MEMORY_LIMIT)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "pixelgrid_peer_shim",
           "-p", "no:cacheprovider", "-c", str(SHIMS / "pytest.ini"),
           f"--junitxml={junit}", *peer.options, *where]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    if not junit.exists():
        raise AssertionError(f"pytest did not run ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    calls = json.loads(log.read_text())["calls"] if log.exists() else {}
    return Run(_junit_outcomes(junit), calls, proc.stdout)


@functools.cache
def _runs(name: str, tmp: Path) -> tuple[Run, Run]:
    peer = PEERS[name]
    mod = pytest.importorskip(peer.module)
    if getattr(mod, "__version__", None) != peer.version:
        pytest.skip(f"{peer.module} {mod.__version__} installed; the suites are pinned to "
                    f"{peer.version} (pyproject's test extra)")
    return _run(peer, "off", tmp), _run(peer, name, tmp)


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("peer-suites")


@pytest.mark.parametrize("name", sorted(PEERS))
def test_peer_suite(name: str, runs_dir: Path) -> None:
    """Every test that passes with the real library passes through the emulation."""
    real, shim = _runs(name, runs_dir)
    passed = real.ids("passed")
    assert len(passed) > 100, real.output[-3000:]  # the suite really ran
    routed = sum(v for k, v in shim.calls.items() if "fallback" not in k)
    assert routed > 50, shim.calls  # and the shim really routed calls to pixelgrid
    lost = sorted(passed - shim.ids("passed"))
    unexpected = [t for t in lost if t not in KNOWN[name]]
    summary = (f"{name}: {len(passed & shim.ids('passed'))} of {len(passed)} tests that pass "
               f"with the real library pass through pixelgrid; calls {shim.calls}")
    print(summary)
    assert not unexpected, f"{summary}\nnew failures: {unexpected}"
    # what fails through the shim that the real library does not pass either is no loss,
    # but a test that only the shim passes would mean the shim did not run the peer's path
    assert not (shim.ids("passed") - passed - real.ids("skipped")), summary


@pytest.mark.parametrize(
    ("name", "test_id"),
    [pytest.param(n, t, marks=pytest.mark.xfail(strict=True, reason=why), id=t)
     for n, known in sorted(KNOWN.items()) for t, why in sorted(known.items())],
)
def test_known_difference(name: str, test_id: str, runs_dir: Path) -> None:
    """A listed difference: passes with the real library, fails through pixelgrid."""
    real, shim = _runs(name, runs_dir)
    assert real.outcomes.get(test_id) == "passed"
    assert shim.outcomes.get(test_id) == "passed"
