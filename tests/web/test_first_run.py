"""The first run's set-up, as scripts/run calls it on a fresh clone (a new database, no model):
the commands print their own lines, not the tools' chatter, and say which athletes the new
model knows and how to make an account."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOISE = ["W040", "TensorSpec", "XNNPACK", "AXES", "WARNING", "INFO", "CRIT", "Traceback",
         "impostor", "cohort", "Applying"]  # fmt: skip


def test_a_fresh_database_and_first_model_say_only_what_to_do_next(
    tmp_path, sample_data, facenet_weights
):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")},
        "DJANGO_SETTINGS_MODULE": "athletes_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ATHLETES_MODELS_DIR": str(tmp_path / "models"),
        "ATHLETES_SAMPLE_DATA": str(sample_data),
        "ATHLETES_FACENET_WEIGHTS": str(facenet_weights),
    }
    said = ""
    # The commands and log levels of scripts/run's set-up.
    for level, command in (("WARNING", ["migrate", "--noinput", "-v", "0"]),
                           ("ERROR", ["bootstrap"])):  # fmt: skip
        run = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env={**env, "LOG_LEVEL": level}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        said += run.stdout + run.stderr

    assert [noise for noise in NOISE if noise in said] == [], said
    lines = said.splitlines()
    assert lines[0] == f"Training a first model from {sample_data} (once)..."
    assert lines[1].endswith("is active. It knows LeBron James and Rafael Nadal.")
    assert "manage.py createsuperuser" in lines[2]
    assert len(lines) == 3, said
