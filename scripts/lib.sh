# Shared steps of scripts/run and scripts/test: install, fetch, and start what is missing.
# Each step is idempotent, so running a script twice costs seconds, not minutes.

export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
PYTHON="${PYTHON:-python3}"
VENV="$PWD/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "'$*' needs root; run it yourself, then run this script again."
  fi
}

apt_install() {
  command -v apt-get >/dev/null || die "Please install $* with your package manager."
  say "Installing $* (Debian packages)"
  as_root apt-get update -qq
  # RUNLEVEL=1: a package that brings a service (nginx) installs without starting it.
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "$@" >/dev/null
}

# pip and setuptools in the virtualenv, pinned: the ones `python3.11 -m venv` leaves there (pip
# 23.2.1, setuptools 65.5.0) have known advisories (pip: CVE-2023-5752, CVE-2025-8869;
# setuptools: CVE-2022-40897, CVE-2024-6345, CVE-2025-47273).
VENV_TOOLS=(pip==26.3 setuptools==84.2.1)
ensure_venv_tools() {
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${VENV_TOOLS[@]}"
}

ensure_venv() {  # ensure_venv REQUIREMENTS_FILE
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed (found $("$PYTHON" --version))."
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtualenv in .venv"
    "$PYTHON" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; "$PYTHON" -m venv "$VENV"; }
  fi
  ensure_venv_tools
  say "Installing Python packages from $1"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$1"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r requirements/worker-nodeps.txt
  export PATH="$VENV/bin:$PATH"
}

ensure_weights() {
  # Offline once done: the weights and their LiteRT conversions stay in ~/.cache/athletes.
  # Converting needs TensorFlow, which only requirements/lab.txt installs: installed here only
  # while a conversion is missing.
  say "Checking the FaceNet weights"
  if ! python -m ml weights check >/dev/null 2>&1 && ! python -c 'import tensorflow' 2>/dev/null
  then
    say "Installing TensorFlow to convert FaceNet for LiteRT (requirements/lab.txt)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements/lab.txt
  fi
  python -m ml weights fetch
}

# The photos of the first model and of the tests. The same default as
# athletes_site/settings/base.py: the team's folder beside the repository.
SAMPLE_DATA_DEFAULT="$PWD/../shared/datasets/athletes"

ensure_sample_data() {  # ensure_sample_data [--download]: exports ATHLETES_SAMPLE_DATA
  # With --download (scripts/run), an unset variable and no folder at the default place, it
  # downloads the original demo's 60 public photos into var/ and uses them.
  if [ -z "${ATHLETES_SAMPLE_DATA:-}" ]; then
    ATHLETES_SAMPLE_DATA="$SAMPLE_DATA_DEFAULT"
    if [ ! -d "$ATHLETES_SAMPLE_DATA" ] && [ "${1:-}" = --download ]; then
      ATHLETES_SAMPLE_DATA="$PWD/var/sample-data/athletes"
      say "Downloading the 60 sample photos into $ATHLETES_SAMPLE_DATA"
      python -m ml samples --out "$ATHLETES_SAMPLE_DATA"
    fi
  fi
  [ -d "$ATHLETES_SAMPLE_DATA" ] || die "ATHLETES_SAMPLE_DATA=$ATHLETES_SAMPLE_DATA is not a folder."
  ATHLETES_SAMPLE_DATA="$(cd "$ATHLETES_SAMPLE_DATA" && pwd)"
  export ATHLETES_SAMPLE_DATA
}

ensure_sample_people() {  # exports ATHLETES_SAMPLE_PEOPLE
  # Photos of five people who are not the athletes, for the tests that enrol new people:
  # fetched once (with apt, from dlib's Debian source) into var/, checked on every run.
  ATHLETES_SAMPLE_PEOPLE="${ATHLETES_SAMPLE_PEOPLE:-$PWD/var/sample-data/people}"
  say "Checking the photos of five other people in $ATHLETES_SAMPLE_PEOPLE"
  python -m ml people --out "$ATHLETES_SAMPLE_PEOPLE"
  export ATHLETES_SAMPLE_PEOPLE
}

redis_answers() {
  python -c 'import redis; redis.Redis(socket_connect_timeout=1).ping()' 2>/dev/null
}

ensure_redis() {
  redis_answers && return
  command -v redis-server >/dev/null || apt_install redis-server
  say "Starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --logfile "$PWD/var/redis.log"
  for _ in $(seq 20); do redis_answers && return; sleep 0.5; done
  die "Redis did not start; see var/redis.log."
}

postgres_answers() {
  python -c 'import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=2).close()' \
    "$1" 2>/dev/null
}

ensure_postgres() {  # ensure_postgres URL: a server that accepts the postgres user
  postgres_answers "$1" && return
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  say "Starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start \
    || true
  as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  for _ in $(seq 20); do postgres_answers "$1" && return; sleep 0.5; done
  die "PostgreSQL does not accept $1."
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

# var/ holds the database (accounts, sessions, API token digests), the secret key and the logs:
# only the account that runs the site may read them. umask 077 for everything made from here on
# (uploads too), and what an earlier run made loses its group and other bits.
private_var() {
  umask 077
  mkdir -p var
  chmod -R go= var
}

ensure_nginx() {  # the buffering front of scripts/run
  command -v nginx >/dev/null || apt_install nginx-light
}

# nginx_config LISTEN UPSTREAM FOLDER: deploy/nginx-run.conf filled in as FOLDER/nginx.conf,
# listening on LISTEN (host:port) in front of gunicorn at UPSTREAM (unix:/path or host:port).
nginx_config() {
  local root user=""
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  [ "$(id -u)" = 0 ] && user="user root;"
  mkdir -p "$3"
  sed -e "s|@PREFIX@|$(cd "$3" && pwd)|g" -e "s|@LISTEN@|$1|g" -e "s|@UPSTREAM@|$2|g" \
    -e "s|@DEPLOY@|$root/deploy|g" -e "s|^#@USER@$|$user|" \
    "$root/deploy/nginx-run.conf" >"$3/nginx.conf"
}

ensure_exiftool() {  # writes the names into tagged downloads
  command -v exiftool >/dev/null || apt_install libimage-exiftool-perl
}

# axe-core, the accessibility checker the browser tests inject into every page: an npm package
# installed into var/node (not committed), pinned here.
AXE_CORE_VERSION=4.10.3
ensure_axe() {
  [ -f var/node/node_modules/axe-core/axe.min.js ] \
    && grep -q "\"version\": \"$AXE_CORE_VERSION\"" var/node/node_modules/axe-core/package.json \
    && return
  command -v npm >/dev/null || apt_install npm
  say "Installing axe-core $AXE_CORE_VERSION into var/node"
  npm install --silent --no-save --no-package-lock --prefix var/node "axe-core@$AXE_CORE_VERSION"
}
