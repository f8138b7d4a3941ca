"""The floor plan holds: every import points down, never back up.

``athletes_site`` (settings, URLs, the Celery app) wires ``classifier`` (the Django app), which
calls ``ml`` (the recognizer, a library without Django). Inside ``classifier``, the pages, the API
and the tasks call the worker's, the desk's and the web's modules and the shared services, which
use the models, which use ``ml``. A module may import its own floor and those below it; the
imports inside functions count too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# classifier's floors, top first, by module name.
FLOORS = [
    (
        "pages and entry points",
        [
            "classifier.pages", "classifier.api", "classifier.admin", "classifier.urls",
            "classifier.tasks", "classifier.management", "classifier.templatetags",
            "classifier.apps",
        ],
    ),
    (
        "worker, desk, web and services",
        [
            "classifier.worker", "classifier.desk", "classifier.web", "classifier.uploads",
            "classifier.filters", "classifier.people", "classifier.version_comparison",
        ],
    ),
    ("models", ["classifier.models"]),
    ("task names", ["classifier.task_names"]),
    ("ml", ["ml"]),
]  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def floor(module: str) -> int | None:
    """The floor's number, 0 at the top; None for modules outside the plan (Django, NumPy)."""
    for number, (_, prefixes) in enumerate(FLOORS):
        if any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes):
            return number
    return None


def sources(package: str) -> list[Path]:
    return [
        path for path in sorted((ROOT / package).rglob("*.py")) if "migrations" not in path.parts
    ]


def test_every_classifier_module_is_on_a_floor():
    unplaced = [module_name(path) for path in sources("classifier") if floor(module_name(path))
                is None and module_name(path) != "classifier"]  # fmt: skip
    assert unplaced == []


def test_no_classifier_module_imports_a_floor_above_its_own():
    upward = []
    for path in sources("classifier"):
        here = floor(module_name(path))
        if here is None:
            continue
        for imported in imports(path):
            there = floor(imported)
            if there is not None and there < here:
                upward.append(f"{module_name(path)} ({FLOORS[here][0]}) imports {imported} "
                              f"({FLOORS[there][0]})")  # fmt: skip
    assert upward == []


def test_ml_imports_neither_django_nor_the_site():
    outside = [
        f"{module_name(path)} imports {imported}"
        for path in sources("ml")
        for imported in imports(path)
        if imported.split(".")[0] in ("django", "rest_framework", "classifier", "athletes_site")
    ]
    assert outside == []


def test_the_app_never_imports_the_project_wiring():
    """Settings and URLs read the app; the app reads settings only through django.conf."""
    wiring = [
        f"{module_name(path)} imports {imported}"
        for path in sources("classifier")
        for imported in imports(path)
        if imported.split(".")[0] == "athletes_site"
    ]
    assert wiring == []


def test_the_app_has_few_modules_beside_its_wings():
    top = sorted(path.name for path in (ROOT / "classifier").glob("*.py"))
    assert len(top) <= 12, top
