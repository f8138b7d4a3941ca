"""docker-compose.yml has no password of its own, and the site reaches MinIO as a user allowed
into its one bucket, never as MinIO's root.

Docker does not run where the tests run, so the file is read, and the bucket service's script
is run by sh against a stand-in `mc` that records what it is asked.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
APP = COMPOSE["x-app"]["environment"]
BUCKET = APP["AWS_STORAGE_BUCKET_NAME"]
VARIABLE = re.compile(r"\$\{([A-Z_]+)(:?[-?])?([^}]*)\}")


def test_every_password_must_be_given_none_has_a_default():
    secrets = {
        match.group(0)
        for match in VARIABLE.finditer(COMPOSE_TEXT)
        if re.search("PASSWORD|SECRET", match.group(1))
    }

    assert secrets, "no password read from the environment"
    assert {value for value in secrets if ":?" not in value} == set()


def test_the_site_reaches_the_bucket_as_its_own_user():
    assert VARIABLE.fullmatch(APP["AWS_ACCESS_KEY_ID"]).group(1) == "MINIO_APP_USER"
    assert VARIABLE.fullmatch(APP["AWS_SECRET_ACCESS_KEY"]).group(1) == "MINIO_APP_PASSWORD"
    assert "MINIO_ROOT" not in json.dumps(APP)


def test_the_sites_policy_opens_its_one_bucket_and_nothing_else():
    policy = json.loads((ROOT / "deploy" / "minio-app-policy.json").read_text())
    statements = policy["Statement"]
    resources = {resource for statement in statements for resource in statement["Resource"]}
    actions = {action for statement in statements for action in statement["Action"]}

    assert {statement["Effect"] for statement in statements} == {"Allow"}
    assert resources == {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"}
    assert all(action.startswith("s3:") and "*" not in action for action in actions)
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"} <= actions


def run_bucket_service(tmp_path: Path, attached: str) -> list[list[str]]:
    """The bucket service's command under sh, with a stand-in `mc`: the calls it made."""
    log = tmp_path / "mc.log"
    stub = tmp_path / "bin" / "mc"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\0" "$@" >> {log}; printf "\\n" >> {log}\n'
        f'[ "$2 $3" = "user info" ] && printf "AccessKey: app\\nPolicyName: {attached}\\n"\n'
        "exit 0\n"
    )
    stub.chmod(0o755)
    log.write_text("")
    service = COMPOSE["services"]["bucket"]
    script = service["command"][0].replace("$$", "$")
    environment = {
        "PATH": f"{stub.parent}:{os.environ['PATH']}",
        "MINIO_ROOT_USER": "root",
        "MINIO_ROOT_PASSWORD": "root-secret",
        "MINIO_APP_USER": "app",
        "MINIO_APP_PASSWORD": "app-secret",
    }
    subprocess.run(["sh", "-c", script], env=environment, check=True, timeout=30)
    return [line.split("\0")[:-1] for line in log.read_text().splitlines()]


def test_the_bucket_service_makes_the_sites_user_with_that_policy(tmp_path):
    mounted = {
        target: source
        for source, target, _ in (v.split(":") for v in COMPOSE["services"]["bucket"]["volumes"])
    }

    calls = run_bucket_service(tmp_path, attached="")

    assert calls[0] == ["alias", "set", "athletes", "http://minio:9000", "root", "root-secret"]
    create = next(call for call in calls if call[:3] == ["admin", "policy", "create"])
    assert mounted[create[-1]] == "./deploy/minio-app-policy.json"
    assert ["admin", "user", "add", "athletes", "app", "app-secret"] in calls
    assert ["admin", "policy", "attach", "athletes", create[-2], "--user", "app"] in calls
    assert ["mb", "--ignore-existing", f"athletes/{BUCKET}"] in calls

    again = run_bucket_service(tmp_path, attached=create[-2])
    assert not [call for call in again if call[:3] == ["admin", "policy", "attach"]]
