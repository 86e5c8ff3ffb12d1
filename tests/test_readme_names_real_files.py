"""The README names only files the repository has: a path in backticks or an image link must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_path_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    quoted = re.findall(r"`([\w./-]+/[\w.-]+\.\w+)`", readme)
    images = re.findall(r"\]\(([\w./-]+\.(?:png|md|json))\)", readme)
    named = set(quoted + images)
    assert "tests/scenarios/design_example.json" in named and images  # the patterns find real mentions
    # A template is named as Django finds it, below templates/.
    missing = sorted(p for p in named if not any((base / p).exists() for base in (ROOT, ROOT / "templates")))
    assert missing == []
    # A bare mention of a design document that is not here.
    for doc in re.findall(r"\b([A-Z]+\.md)\b", readme):
        assert (ROOT / doc).exists(), doc
