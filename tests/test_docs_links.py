"""The README and docs/: every relative link resolves, the README stays a front page.

Standard library only, no network: reads README.md and docs/**/*.md.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
APPS = ("classifier", "segmenter", "detector", "sentiment", "translator",
        "chatbot", "gan", "word2vec", "foundations", "memory")
MAX_README_LINES = 250

# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")


def markdown_files():
    return [README, *sorted((ROOT / "docs").glob("**/*.md"))]


def links(path):
    """(line number, target) of every relative link outside code blocks and code spans."""
    found, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(1)
            if EXTERNAL.match(target) or target.startswith("#"):
                continue
            found.append((number, target))
    return found


def test_relative_links_resolve():
    broken = []
    for path in markdown_files():
        for number, target in links(path):
            file_part = target.split("#", 1)[0].split("?", 1)[0]
            if not (path.parent / file_part).exists():
                broken.append(f"{path.relative_to(ROOT)}:{number}: {target}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_links_are_found():
    # The checker itself: the README links to the docs, so it must find links there.
    assert any(target.startswith("docs/") for _, target in links(README))


def test_readme_is_a_front_page():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines (at most {MAX_README_LINES})"


def test_every_app_has_a_doc():
    missing = [f"docs/{app}.md" for app in APPS if not (ROOT / "docs" / f"{app}.md").is_file()]
    assert not missing, "missing app docs: " + ", ".join(missing)
