"""MkDocs hooks for the pixelgrid site (``mkdocs.yml``: ``hooks:``); not part of the package.

The README is the site's home page without being copied into ``docs/``: ``on_files`` adds
it as a generated ``index.md`` whose links, written relative to the repository root for
GitHub (``docs/model.md``, ``docs/images/...``), are made relative to ``docs/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files


def readme_as_index(repo_root: Path) -> str:
    """The README's text with its ``docs/`` links made relative to ``docs/``."""
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    return text.replace("](docs/", "](")


def on_files(files: Files, config: Any) -> Files:
    """Add the README as the generated page ``index.md``."""
    root = Path(config.config_file_path).parent
    files.append(File.generated(config, "index.md", content=readme_as_index(root)))
    return files
