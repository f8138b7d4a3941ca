"""The original demo's 60 public photos, downloaded and checked against known sha256s.

Used for a first model when no local copy is configured. The list pins the files to
one commit of the public repository the demo came from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.parse
import urllib.request
from pathlib import Path

from ml.errors import ModelError

log = logging.getLogger(__name__)

CATALOGUE = Path(__file__).with_name("sample_photos.json")
RAW_BASE = "https://raw.githubusercontent.com"


def fetch_sample_photos(out_dir: Path, *, base_url: str | None = None) -> Path:
    """Fill `out_dir/<label>/` with the sample photos; files already verified are kept."""
    catalogue = json.loads(CATALOGUE.read_text())
    base = base_url or f"{RAW_BASE}/{catalogue['repository']}/{catalogue['commit']}"
    for number, photo in enumerate(catalogue["photos"], start=1):
        target = out_dir / photo["label"] / Path(photo["path"]).name
        if target.is_file() and _sha256(target.read_bytes()) == photo["sha256"]:
            continue
        url = f"{base}/{urllib.parse.quote(photo['path'])}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                data = response.read()
        except OSError as error:
            raise ModelError(f"Could not download {url}: {error}") from error
        if _sha256(data) != photo["sha256"]:
            raise ModelError(f"{url} does not have the expected sha256; refusing to use it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        log.info("  downloaded %d/%d: %s", number, len(catalogue["photos"]), target.name)
    log.info("Sample photos ready in %s", out_dir)
    return out_dir


def sample_display_names() -> dict[str, str]:
    """How the sample athletes' names are spelled, which their folder names cannot say."""
    return json.loads(CATALOGUE.read_text())["display_names"]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
