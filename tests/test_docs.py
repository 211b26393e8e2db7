"""README.md and every docs/*.md page run as doctests.

Every fenced ```` ```python ```` block is a doctest (``>>>`` lines and the output they
print), run on its own with fresh globals, so each example defines its inputs and can be
copied alone; the outputs shown are checked (``ELLIPSIS`` and ``NORMALIZE_WHITESPACE`` on).
Every ```` ```console ```` block is a shell session: its ``$ pixelgrid ...`` commands run
through the command line's ``main`` and print what the block shows.  Other blocks
(``bash`` install lines, tables) are not run.

Examples run in a temporary directory (figures they save land there) with matplotlib's
non-interactive backend.  All reference libraries are test dependencies, so no block is
skipped.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _blocks(lang: str) -> list[tuple[str, int, str]]:
    """(file name, line of the opening fence, body) of every block in ``lang``."""
    found = []
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) == lang:
                line = text.count("\n", 0, m.start()) + 1
                found.append((str(path.relative_to(ROOT)), line, m.group(2)))
    return found


PYTHON = _blocks("python")
CONSOLE = _blocks("console")


@pytest.fixture
def docs_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    with contextlib.suppress(ImportError):
        import matplotlib

        matplotlib.use("Agg")
    return tmp_path


def test_every_example_is_collected() -> None:
    names = {p.name for p in DOC_FILES}
    assert {"README.md", "model.md", "align_corners.md", "compatibility.md"} <= names
    assert len(PYTHON) >= 12 and len(CONSOLE) >= 1
    # A prompt in a block of another language would never run: examples are python blocks.
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) != "python":
                assert ">>> " not in m.group(2), f"{path.name}: a >>> example outside ```python"
                assert not m.group(2).startswith("$ pixelgrid") or m.group(1) == "console", (
                    f"{path.name}: a pixelgrid session outside ```console")


@pytest.mark.parametrize("name,line,body", PYTHON, ids=[f"{n}:{ln}" for n, ln, _ in PYTHON])
def test_python_block(name: str, line: int, body: str, docs_env: Path) -> None:
    # A block without prompts would never be checked: every python block is a doctest.
    assert ">>> " in body, f"{name}:{line}: write the example as a >>> doctest"
    test = doctest.DocTestParser().get_doctest(body, {"__name__": "__docs__"},
                                               f"{name}:{line}", name, line)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    try:
        result = runner.run(test, out=report.write, clear_globs=True)
    finally:
        with contextlib.suppress(ImportError):
            import matplotlib.pyplot as plt

            plt.close("all")
    assert result.attempted > 0
    assert result.failed == 0, report.getvalue()


def _sessions(body: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    out: list[tuple[str, list[str]]] = []
    for raw in body.splitlines():
        if raw.startswith("$ "):
            out.append((raw[2:], []))
        elif out:
            out[-1][1].append(raw)
    return [(cmd, "\n".join(lines).rstrip() + "\n") for cmd, lines in out]


@pytest.mark.parametrize("name,line,body", CONSOLE, ids=[f"{n}:{ln}" for n, ln, _ in CONSOLE])
def test_console_block(name: str, line: int, body: str, docs_env: Path) -> None:
    from pixelgrid.cli import main

    sessions = _sessions(body)
    assert sessions, f"{name}:{line}: a console block starts with '$ pixelgrid ...'"
    checker = doctest.OutputChecker()
    for cmd, want in sessions:
        argv = shlex.split(cmd)
        assert argv[0] == "pixelgrid", f"{name}:{line}: only pixelgrid commands run here"
        got = io.StringIO()
        with contextlib.redirect_stdout(got):
            status = main(argv[1:])
        assert status == 0, f"{name}:{line}: {cmd!r} exited {status}"
        assert checker.check_output(want, got.getvalue(), FLAGS), (
            f"{name}:{line}: {cmd!r} printed\n{got.getvalue()}\nthe page shows\n{want}")
