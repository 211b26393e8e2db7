"""The documentation site (mkdocs.yml, MkDocs Material) builds with ``--strict``.

Strict mode turns every warning into a failure: a broken link or image, a page missing
from the nav's files, a docstring mkdocstrings cannot render.  The build goes to a
temporary directory; the test then checks that every page and every generated figure is
in the site.  mkdocs and its plugins come with the ``dev`` extra (CI installs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.stem for p in (ROOT / "docs").glob("*.md"))
IMAGES = sorted(p.name for p in (ROOT / "docs" / "images").glob("*.png"))


def _nav_files(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [f for v in nav.values() for f in _nav_files(v)]
    if isinstance(nav, list):
        return [f for v in nav for f in _nav_files(v)]
    return []


def test_every_page_is_in_the_nav() -> None:
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_files(config["nav"])
    assert nav[0] == "index.md"  # the README, added by docs/mkdocs_hooks.py
    assert sorted(f.removesuffix(".md") for f in nav[1:]) == PAGES


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def test_site_has_every_page(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Quick start" in home and "One model" in home  # the README
    assert 'href="model/"' in home and 'src="images/align_corners_grids.png"' in home
    for page in PAGES:
        assert (site / page / "index.html").is_file(), page


def test_site_has_every_figure(site: Path) -> None:
    assert IMAGES, "docs/images holds the generated figures"
    html = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    for name in IMAGES:
        assert (site / "images" / name).is_file(), name
        assert f"images/{name}" in html, f"{name} is on no page"


def test_api_reference_is_rendered(site: Path) -> None:
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("pixelgrid.resize", "pixelgrid.plan", "pixelgrid.resize_map",
                 "pixelgrid.Arithmetic", "pixelgrid.kernels.cubic"):
        assert f'id="{name}"' in api, name
    assert "Parameters" in api  # numpy-style sections parsed
