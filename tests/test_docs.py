"""The user documentation's links lead somewhere a user of the repository can follow.

Checks every link and image of README.md and docs/**/*.md: a relative target must be a file
(or folder) of the repository, as a fresh clone has it (git-ignored build output does not
count), a `#fragment` into a Markdown file must name one of its headings, and nothing may
point outside the repository (such as `../shared/...`). Web links are not fetched.
"""
from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parents[1]
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
FENCE = re.compile(r"^\s{0,3}(```|~~~).*?^\s{0,3}\1\s*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")  # http:, https:, mailto:, ...


def repository_files() -> set[str]:
    """Files a clone has: tracked ones plus new ones not ignored (docs being written count)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return {line for line in out.splitlines() if (REPO / line).exists()}


FILES = repository_files()
FOLDERS = {str(parent) for name in FILES for parent in Path(name).parents if str(parent) != "."}
DOCS = sorted(name for name in FILES if name == "README.md" or (name.startswith("docs/") and name.endswith(".md")))


def links(text: str) -> list[str]:
    """Link targets outside code blocks and code spans."""
    prose = CODE_SPAN.sub("", FENCE.sub("", text))
    return INLINE_LINK.findall(prose) + REFERENCE_DEF.findall(prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


def problems(doc: str, text: str | None = None) -> list[str]:
    """What is wrong with the links of `doc` (its text on disk unless given)."""
    source = REPO / doc
    found: list[str] = []
    for target in links(source.read_text(encoding="utf-8") if text is None else text):
        if EXTERNAL.match(target):
            continue
        path_part, _, fragment = target.partition("#")
        if not path_part:  # a link within the same page
            if fragment and slug(unquote(fragment)) not in anchors(source):
                found.append(f"{doc}: no heading for #{fragment}")
            continue
        resolved = (source.parent / unquote(path_part)).resolve()
        try:
            relative = resolved.relative_to(REPO).as_posix()
        except ValueError:
            found.append(f"{doc}: {target} points outside the repository (a user of the repository does not have it)")
            continue
        if relative not in FILES and relative not in FOLDERS:
            found.append(f"{doc}: {target} does not exist in the repository")
            continue
        if fragment and relative.endswith(".md") and slug(unquote(fragment)) not in anchors(resolved):
            found.append(f"{doc}: {relative} has no heading for #{fragment}")
    return found


def test_the_readme_and_docs_are_checked() -> None:
    assert "README.md" in DOCS and "docs/index.md" in DOCS
    for page in ("training-contract.md", "inference-contract.md", "configuration.md", "rest-api.md"):
        assert f"docs/{page}" in DOCS


@pytest.mark.parametrize("doc", DOCS)
def test_every_relative_link_resolves_inside_the_repository(doc: str) -> None:
    assert problems(doc) == []


def test_the_readme_and_the_index_lead_to_every_page() -> None:
    readme = set(links((REPO / "README.md").read_text(encoding="utf-8")))
    index = {target.partition("#")[0] for target in links((REPO / "docs" / "index.md").read_text(encoding="utf-8"))}
    assert "docs/index.md" in readme
    pages = {name.removeprefix("docs/") for name in DOCS if name.startswith("docs/") and name != "docs/index.md"}
    assert pages - index == set(), "docs/index.md does not link these pages"


def test_the_checker_catches_what_it_is_for() -> None:
    """The checker itself: a link outside the repository, a missing file, a missing heading."""
    text = (
        "See [the contract](../shared/CONTRACT.md), [gone](docs/nowhere.md), [bad anchor](docs/index.md#no-such-heading),\n"
        "[fine](docs/index.md#writing-scripts), [web](https://example.com/x.md) and `[code](../not/a/link.md)`.\n"
        "```\n[also code](../shared/ARCHITECTURE.md)\n```\n"
    )
    assert problems("README.md", text) == [
        "README.md: ../shared/CONTRACT.md points outside the repository (a user of the repository does not have it)",
        "README.md: docs/nowhere.md does not exist in the repository",
        "README.md: docs/index.md has no heading for #no-such-heading",
    ]
