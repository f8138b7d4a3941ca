"""The README stays a short front door whose links work, CI runs the README's test command, and
every environment variable the code reads is described in the manual's Configuration page.

`scripts/test` also builds the manual with `mkdocs build --strict`, which fails on a broken
link or anchor between its pages; the README is outside the manual, so its links are checked
here."""

import re
from pathlib import Path

from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CONFIGURATION = ROOT / "docs" / "configuration.md"
README_MAX_LINES = 200

LINK = re.compile(r"\]\(([^)\s]+)\)")
# What the code reads from the environment: the settings' env helpers, os.environ, shell
# defaults (${NAME:-...}, ${NAME:?...}) and supervisord's %(ENV_NAME)s.
READS = [
    re.compile(r"\benv(?:_int|_bool|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\""),
    re.compile(r"os\.environ(?:\.get|\.setdefault)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),
    re.compile(r"os\.environ\[\s*[\"']([A-Z][A-Z0-9_]*)[\"']\]"),
    re.compile(r"\$\{([A-Z][A-Z0-9_]*):[-?]"),
    re.compile(r"%\(ENV_([A-Z][A-Z0-9_]*)\)s"),
]
# Where the product reads its environment (the tests' own fixtures set theirs).
SOURCES = ["athletes_site", "classifier", "ml", "scripts"]
SOURCE_FILES = ["gunicorn.conf.py", "manage.py", "docker-compose.yml", ".ci/run"]


def anchors(page: Path) -> set[str]:
    """The ids MkDocs gives the page's headings (Python-Markdown's toc slugs)."""
    return {
        slugify(line.lstrip("#").strip(), "-")
        for line in page.read_text().splitlines()
        if line.startswith("#")
    }


def environment_reads() -> set[str]:
    files = [ROOT / name for name in SOURCE_FILES]
    for folder in SOURCES:
        files += [path for path in (ROOT / folder).rglob("*") if path.is_file()]
    names: set[str] = set()
    for path in files:
        if path.suffix in {".pyc", ".json", ".png"} or "migrations" in path.parts:
            continue
        text = path.read_text()
        for pattern in READS:
            names.update(pattern.findall(text))
    return names


def test_the_readme_is_short():
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; the manual is in docs/."


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^(scripts/\w+)\s+#", README.read_text(), re.MULTILINE)
    assert commands == ["scripts/run", "scripts/test"]
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line.startswith("exec")]
    assert ci == ["exec scripts/test"]


def test_the_readme_s_links_lead_to_files_and_headings():
    for target in LINK.findall(README.read_text() + (ROOT / "CONTRIBUTING.md").read_text()):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        page = ROOT / path
        assert page.exists(), f"{target}: no such file"
        if anchor:
            assert anchor in anchors(page), f"{target}: no such heading"


def test_every_environment_variable_is_described_once_in_configuration():
    documented = re.findall(r"^\| ([^|]+) \|", CONFIGURATION.read_text(), re.MULTILINE)
    rows = [re.findall(r"`([A-Z][A-Z0-9_]*)`", cell) for cell in documented]
    names = [name for row in rows for name in row]
    assert len(names) == len(set(names)), "a variable has two rows"
    missing = environment_reads() - set(names)
    assert not missing, f"read from the environment but not in docs/configuration.md: {missing}"
