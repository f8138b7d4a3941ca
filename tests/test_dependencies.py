"""Dependencies without the advisories we know of, and every image pinned by its version.

Django's pin is the patched release, and the test run uses what is pinned; the virtualenv
that scripts/run and scripts/test make and run in has pip and setuptools newer than the ones
the venv module leaves there; the Dockerfile's base image and the compose services' images
name a full version, so nothing changes under the site without a change to the repository.
"""

import re
from importlib import metadata
from pathlib import Path

import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# The first releases free of the advisories named in scripts/lib.sh and the issue tracker.
DJANGO_PATCHED = Version("5.2.20")
PIP_PATCHED = Version("25.3")  # CVE-2025-8869
SETUPTOOLS_PATCHED = Version("78.1.1")  # CVE-2025-47273
# A full version (1.28.3, 3.11.15-slim-bookworm) or a dated release (MinIO's); PostgreSQL's
# full versions have two numbers (16.15).
FULL_VERSION = re.compile(r"\d+\.\d+\.\d+([.-].*)?|RELEASE\.\d{4}-\d\d-\d\dT[\dZ-]+")
POSTGRES_VERSION = re.compile(r"\d+\.\d+([.-].*)?")


def pinned(requirements: Path, package: str) -> Version:
    for line in requirements.read_text().splitlines():
        name, _, version = line.partition("==")
        if name.split("[")[0].strip().lower() == package:
            return Version(version.split("#")[0].strip())
    raise AssertionError(f"{package} is not pinned in {requirements}")


def test_django_is_pinned_to_the_patched_release_and_that_is_what_runs():
    version = pinned(ROOT / "requirements" / "base.txt", "django")

    assert version >= DJANGO_PATCHED
    assert Version(metadata.version("django")) == version


def test_the_virtualenv_has_pip_and_setuptools_without_known_advisories():
    """The venv module of Python 3.11 leaves pip 23.2.1 and setuptools 65.5.0 behind;
    scripts/run and scripts/test upgrade both (ensure_venv_tools in scripts/lib.sh) in the
    virtualenv they make, or find, and run the tests in, before every run."""
    assert Version(metadata.version("pip")) >= PIP_PATCHED
    assert Version(metadata.version("setuptools")) >= SETUPTOOLS_PATCHED


def images() -> dict[str, str]:
    """{where: image} for the Dockerfile's base and each compose service pulled, not built
    (those are tagged `local`)."""
    found = {}
    for number, line in enumerate((ROOT / "Dockerfile").read_text().splitlines(), start=1):
        if line.startswith("FROM ") and ":" in line:
            found[f"Dockerfile:{number}"] = line.split()[1]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if "build" not in service:
            found[f"docker-compose.yml {name}"] = service["image"]
        else:
            assert service["image"].endswith(":local"), f"{name} is built here"
    return found


def test_every_image_is_pinned_by_its_version():
    found = images()
    assert "docker-compose.yml postgres" in found and len(found) >= 6

    floating = {}
    for where, image in found.items():
        name, _, tag = image.split("@")[0].rpartition(":")
        full = POSTGRES_VERSION if name == "postgres" else FULL_VERSION
        if not full.fullmatch(tag):
            floating[where] = image
    assert floating == {}
