"""Every stylesheet of the panel reaches JupyterLab.

JupyterLab loads the extension's `styleModule` (style/index.js), which imports each CSS file
itself; `style/index.css` (the `style` entry) imports them too. A new CSS file listed in only
one of them styles nothing in the panel (the graph canvas lost its size that way once).
"""
from __future__ import annotations

import re
from pathlib import Path

STYLE = Path(__file__).resolve().parent.parent / "labextension" / "style"


def test_every_css_file_is_imported_by_both_style_entries() -> None:
    sheets = {p.name for p in STYLE.glob("*.css")} - {"index.css"}
    by_module = set(re.findall(r"^import '\./([\w-]+\.css)';$", (STYLE / "index.js").read_text(), re.M))
    by_css = set(re.findall(r"^@import url\('([\w-]+\.css)'\);$", (STYLE / "index.css").read_text(), re.M))
    assert sheets == by_module, f"style/index.js misses {sorted(sheets - by_module)}"
    assert sheets == by_css, f"style/index.css misses {sorted(sheets - by_css)}"
