"""scripts/run keeps var/ (the database with its accounts and token digests, the secret key,
the logs) to the account that runs it: umask 077 from then on, and an earlier run's files made
private too."""

import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_and_what_is_made_in_it_are_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    earlier = var / "db.sqlite3"
    earlier.write_text("")
    earlier.chmod(0o644)

    subprocess.run(
        ["bash", "-c", f"source {ROOT}/scripts/lib.sh && private_var && touch var/secret_key "
                       "&& mkdir var/broker"],
        cwd=tmp_path, check=True,
    )  # fmt: skip

    assert mode(var) == 0o700
    assert mode(earlier) == 0o600
    assert mode(var / "secret_key") == 0o600
    assert mode(var / "broker") == 0o700


def test_scripts_run_makes_var_private_before_anything_writes_there():
    script = (ROOT / "scripts" / "run").read_text()

    assert script.index("\nprivate_var\n") < script.index("manage.py migrate")
