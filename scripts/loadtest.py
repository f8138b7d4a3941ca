#!/usr/bin/env python3
"""Load test: concurrent photo uploads to a running Athletes site on this machine, each polled
until its result is stored.

    scripts/loadtest.py --url http://127.0.0.1:8000 --count 200 --concurrency 50
    scripts/loadtest.py --url http://127.0.0.1:8000 --count 200 --per-request 20 --concurrency 8
    scripts/loadtest.py --url http://127.0.0.1:8000 --count 300 --rate 8 --concurrency 32

With --per-request 1 (the default) each photo is its own API request. With more, photos go
--per-request at a time through the upload form, as a browser sends them, each request from an
anonymous browser session of its own, and the script finds their ids through the API list of
that session's uploads.
--concurrency is the number of requests in flight. With --rate R, API uploads arrive at R photos
per second (upload n is sent n/R seconds after the start, if a request slot is free), to
measure the latency from upload to result at that arrival rate; without it, they are sent as
fast as --concurrency allows, to measure how many photos per second the workers sustain.

Each upload is one of the JPEG photos under --photos (default: $ATHLETES_SAMPLE_DATA) with a
comment unique to that upload added, so no two uploads have the same bytes and the site never
answers from an earlier result. With --faces LOW-HIGH (say 1-3), each photo is first sent once
to learn how many faces the site finds in it (these uploads count in no figure), and the uploads
then take equally many photos of each face count from LOW to HIGH, whatever mix the folder has.
With --cpu-of NAME=PID (say web=<gunicorn's pid>), it also reads from /proc the CPU time that
process and its children spent on the counted uploads, per photo.

It prints how many uploads were accepted, completed and failed, the 50th and 95th percentiles of
the accept latency (request sent to 202 received) and of upload-to-result (request sent to the
result's ``finished_at``, read from the API; the client and the server share this machine's
clock, which is why the URL must be on loopback), the rate the uploads arrived at, the sustained
rate of results (finished photos per second between the first and the last ``finished_at``), how
many faces the photos had, and how many requests it made for results. It asks for results as a
patient client would, once a second and only for the oldest uploads still waiting
(``POLL_EVERY``), so the load it measures is the uploads', not its own.

Bounded: at most 1000 uploads (with --faces, first each photo once more: at most 1000 photos),
256 requests at a time, and it stops by itself after --timeout seconds, the survey included.
Exit status 0 when every upload was accepted and completed, 1 otherwise, 2 on bad arguments.
Plain Python: no package beyond the standard library.
"""

import argparse
import json
import math
import os
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_COUNT, MAX_CONCURRENCY, MAX_TIMEOUT, MAX_RATE = 1000, 256, 3600, 200
MAX_PER_REQUEST = 20  # the upload form's limit (ATHLETES_MAX_FILES_PER_UPLOAD)
MAX_FACES = 100
# How the results are found, as a patient client would: once a second, ask for the uploads in
# the order the site queued them, oldest first, one request at a time, and stop at the
# POLL_MISSES-th still waiting (the workers take them in about that order, so those behind are
# waiting too; one finished out of order is found a second later). At most one request per
# result plus POLL_MISSES a second: the site's CPU goes to the uploads and the workers, not to
# answering the load test. The result's finished_at comes from the server, so finding it a
# second late changes no figure but the wall time.
POLL_EVERY = 1.0
POLL_MISSES = 3


@dataclass
class Upload:
    number: int
    sent_at: float = 0.0  # time.time() when the request was sent
    status: int | str = ""  # HTTP status, or the error that prevented one
    accept_ms: float | None = None
    prediction: str = ""
    created_at: float = 0.0  # the prediction's created_at: the order the site queued it in
    outcome: str = ""  # "done", "failed" or "" while pending
    result_ms: float | None = None
    finished_at: float | None = None  # the result's finished_at, as a time.time()
    faces: int = 0


def with_comment(jpeg: bytes, comment: bytes) -> bytes:
    """The same JPEG with a COM segment right after its start marker."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def multipart(field: str, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with each ``(filename, JPEG bytes)`` under ``field``."""
    boundary = uuid.uuid4().hex
    parts = [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
        for filename, data in files
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """The form answers a redirect; the answer is all we need, not the page it points to."""

    def redirect_request(self, *args, **kwargs):
        return None


def browser(cookies: CookieJar) -> urllib.request.OpenerDirector:
    """A client that keeps its cookies in ``cookies``, as one browser keeps its session."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), NoRedirects)


API_CLIENT = urllib.request.build_opener(NoRedirects)


def request(
    url: str, *, data: bytes | None = None, headers: dict | None = None, timeout=60, client=None
):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (client or API_CLIENT).open(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def rate(times: list[float]) -> float | None:
    """Events per second between the first and the last of ``times``; None for fewer than 2."""
    if len(times) < 2 or max(times) == min(times):
        return None
    return (len(times) - 1) / (max(times) - min(times))


def per_second(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} photos/s"


def parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class LoadTest:
    def __init__(
        self,
        args: argparse.Namespace,
        photos: list[Path],
        order: list[int] | None = None,
        deadline: float | None = None,
    ):
        """``order``: the photos (indexes into ``photos``) the uploads cycle through;
        ``deadline``: the ``time.monotonic()`` to stop at, by default --timeout from now."""
        self.args = args
        self.base = args.url.rstrip("/")
        self.photos = [path.read_bytes() for path in photos]
        self.names = [path.name for path in photos]
        self.order = order or list(range(len(photos)))
        self.uploads = [Upload(n) for n in range(args.count)]
        self.headers = {"Authorization": f"Token {args.token}"} if args.token else {}
        self.deadline = deadline or time.monotonic() + args.timeout
        self.run_id = uuid.uuid4().hex[:8]
        self.started = time.monotonic()
        self.started_at = time.time()  # the same moment, on the clock uploads are stamped with
        self.sending = True
        self.polls = 0  # requests for results
        self.cpu: dict[str, float] = {}  # --cpu-of: CPU seconds each process spent
        self.rounds = 0  # passes over the pending uploads, one a second

    def photo(self, upload: Upload) -> tuple[str, bytes]:
        """The upload's file name and bytes: a sample photo made unique by a JPEG comment."""
        photo = self.order[upload.number % len(self.order)]
        comment = f"athletes load test {self.run_id} upload {upload.number}".encode()
        return self.names[photo], with_comment(self.photos[photo], comment)

    def send(self, upload: Upload) -> None:
        if self.args.rate:  # wait for this upload's arrival time
            time.sleep(max(0.0, self.started + upload.number / self.args.rate - time.monotonic()))
        body, boundary = multipart("image", [self.photo(upload)])
        headers = {**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        upload.sent_at, started = time.time(), time.monotonic()
        try:
            status, answer = request(f"{self.base}/api/predictions/", data=body, headers=headers)
        except OSError as error:
            upload.status = type(error).__name__
            return
        upload.accept_ms = (time.monotonic() - started) * 1000
        upload.status = status
        if status in (201, 202):
            created = json.loads(answer)
            upload.prediction = created["id"]
            upload.created_at = parse_time(created["created_at"])

    def send_form(self, uploads: list[Upload]) -> None:
        """Send several photos in one request to the upload form, from a browser session of
        their own, then look up their ids in that session's list of uploads."""
        batch = f"lt-{self.run_id}-{uploads[0].number:04d}-"
        files = []
        for upload in uploads:
            name, data = self.photo(upload)
            files.append((f"{batch}{upload.number:04d}-{name}", data))
        body, boundary = multipart("image", files)
        cookies = CookieJar()
        client = browser(cookies)
        found = {}
        sent_at, started = time.time(), time.monotonic()
        try:
            request(f"{self.base}/", client=client)  # the form page sets the CSRF cookie
            token = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
            headers = {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-CSRFToken": token,
            }
            sent_at, started = time.time(), time.monotonic()
            status, _ = request(f"{self.base}/upload/", data=body, headers=headers, client=client)
            accept_ms = (time.monotonic() - started) * 1000
            if status == 302:  # accepted: the form sends the browser to the history
                url = f"{self.base}/api/predictions/?q={batch}"
                listed, answer = request(url, client=client)
                if listed == 200:
                    found = {item["original_name"]: item for item in json.loads(answer)["results"]}
        except (OSError, StopIteration) as error:
            status = type(error).__name__
        for upload, (name, _) in zip(uploads, files, strict=True):
            upload.sent_at, upload.status = sent_at, status
            if name in found:
                upload.accept_ms = accept_ms
                upload.status = 201 if found[name]["reused"] else 202
                upload.prediction = found[name]["id"]
                upload.created_at = parse_time(found[name]["created_at"])

    def poll_once(self, upload: Upload) -> bool:
        """Ask for one upload's result; True once it is done or failed."""
        url = f"{self.base}/api/predictions/{upload.prediction}/"
        self.polls += 1
        try:
            status, answer = request(url, headers=self.headers, timeout=30)
        except OSError:
            return False
        if status != 200:
            return False
        result = json.loads(answer)
        if result["status"] not in ("done", "failed"):
            return False
        upload.finished_at = parse_time(result["finished_at"])
        upload.result_ms = (upload.finished_at - upload.sent_at) * 1000
        upload.faces = len(result["faces"])
        upload.outcome = result["status"]
        return True

    def pending(self) -> list[Upload]:
        """The uploads without a result yet, in the order the site queued them."""
        waiting = [u for u in self.uploads if u.prediction and not u.outcome]
        return sorted(waiting, key=lambda u: u.created_at)

    def poll_round(self) -> None:
        """One pass over the pending uploads, oldest first, until POLL_MISSES of them wait."""
        self.rounds += 1
        misses = 0
        for upload in self.pending():
            misses += not self.poll_once(upload)
            if misses == POLL_MISSES or time.monotonic() >= self.deadline:
                return

    def poll(self) -> None:
        while time.monotonic() < self.deadline:
            sending = self.sending
            if not self.pending() and not sending:
                return
            self.poll_round()
            time.sleep(POLL_EVERY)
        # Out of time with photos waiting: one last look at each, so that photos that never
        # finish (lost, say) hide none behind them that did.
        self.rounds += 1
        for upload in self.pending():
            self.poll_once(upload)

    def run(self) -> float:
        cpu_before = {name: cpu_seconds(pid) for name, pid in self.args.cpu_of}
        self.started = started = time.monotonic()
        self.started_at = time.time()
        poller = threading.Thread(target=self.poll, daemon=True)
        poller.start()
        with ThreadPoolExecutor(max_workers=self.args.concurrency) as pool:
            if self.args.per_request == 1:
                list(pool.map(self.send, self.uploads))
            else:
                size = self.args.per_request
                batches = [self.uploads[n : n + size] for n in range(0, len(self.uploads), size)]
                list(pool.map(self.send_form, batches))
        self.sending = False
        poller.join(max(0.0, self.deadline - time.monotonic()) + 5)
        self.cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in self.args.cpu_of}
        return time.monotonic() - started

    def report(self, seconds: float) -> bool:
        accepted = [u for u in self.uploads if u.prediction]
        reused = sum(1 for u in accepted if u.status == 201)
        done = [u for u in accepted if u.outcome == "done"]
        failed = [u for u in accepted if u.outcome == "failed"]
        unfinished = [u for u in accepted if not u.outcome]
        refused = [u for u in self.uploads if not u.prediction]
        statuses: dict[str, int] = {}
        for upload in refused:
            statuses[str(upload.status)] = statuses.get(str(upload.status), 0) + 1
        errors = len(refused) + len(failed) + len(unfinished)

        def ms(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.0f} ms"

        accept = [u.accept_ms for u in accepted if u.accept_ms is not None]
        result = [u.result_ms for u in done if u.result_ms is not None]
        a = self.args
        how = "API requests" if a.per_request == 1 else f"form requests of {a.per_request} photos"
        print(
            f"Athletes load test: {a.count} uploads to {self.base}, {how}, "
            f"{a.concurrency} at a time"
        )
        print(
            f"bytes: each upload is one of {len(set(self.order))} JPEG photos from {a.photos} "
            "with a unique JPEG comment added, so every upload is new to the site (no result "
            "reused)"
        )
        print(f"accepted          {len(accepted)} (202: {len(accepted) - reused}, 201: {reused})")
        print(f"completed         {len(done)}")
        why = f" {statuses}" if statuses else ""
        print(
            f"errors            {errors} (refused: {len(refused)}{why}, failed: {len(failed)}, "
            f"unfinished after {a.timeout} s: {len(unfinished)})"
        )
        for label, values in (("accept latency", accept), ("upload to result", result)):
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            print(f"{label:<18}p50 {ms(p50)}, p95 {ms(p95)}")
        print(f"wall time         {seconds:.1f} s, {len(done) / seconds:.1f} results/s")
        # Every upload sent, refused ones too, from the start, not from the first upload:
        # upload n waits until n / --rate seconds after the start, so the rate is never above
        # --rate, even when the first one leaves late on a busy machine (from the first, 8
        # uploads at 4/s once read 4.1).
        sent = [u.sent_at for u in self.uploads if u.sent_at]
        span = max(sent, default=self.started_at) - self.started_at
        arrived = (len(sent) - 1) / span if len(sent) > 1 and span > 0 else None
        print(f"arrival rate      {per_second(arrived)} (uploads sent, from the start to the last)")
        finished = [u.finished_at for u in done if u.finished_at is not None]
        print(
            f"sustained         {per_second(rate(finished))} (results, first to last finished_at)"
        )
        print(f"faces per photo   {face_counts(done)}")
        if self.cpu and done:
            spent = ", ".join(
                f"{name} {1000 * t / len(done):.0f} ms" for name, t in self.cpu.items()
            )
            print(f"CPU per photo     {spent} (user and system time, from /proc)")
        print(
            f"result requests   {self.polls} in {self.rounds} rounds, one a second "
            f"(at most {POLL_MISSES} a round for photos still waiting)"
        )
        for upload in failed[:5]:
            print(f"failed: prediction {upload.prediction}", file=sys.stderr)
        if a.summary:
            summary = {
                "sustained_per_s": rate(finished),
                "result_p95_ms": percentile(result, 0.95),
                "cpu_ms_per_photo": {n: 1000 * t / len(done) for n, t in self.cpu.items()}
                if done
                else {},
                "errors": errors,
            }
            a.summary.write_text(json.dumps(summary))
        return errors == 0 and len(done) == a.count


def face_counts(uploads: list[Upload]) -> dict[int, int]:
    """How many of the finished ``uploads`` had each number of faces."""
    counts: dict[int, int] = {}
    for upload in uploads:
        counts[upload.faces] = counts.get(upload.faces, 0) + 1
    return dict(sorted(counts.items()))


def by_faces(args: argparse.Namespace, photos: list[Path], deadline: float) -> list[int] | None:
    """Send every photo once and interleave the photos with LOW to HIGH faces (``--faces``), so
    each count has an equal share of the uploads; None, with the reason printed, if a photo
    found no result or a count in the range has no photo."""
    once = {"count": len(photos), "rate": 0, "per_request": 1, "cpu_of": []}
    survey = LoadTest(argparse.Namespace(**{**vars(args), **once}), photos, deadline=deadline)
    survey.run()
    done = [u for u in survey.uploads if u.outcome == "done"]
    print(
        f"face survey       {face_counts(done)} faces: photos, each photo sent once "
        "(counted in no figure below)"
    )
    if len(done) < len(photos):
        print(f"{len(photos) - len(done)} photos found no result.", file=sys.stderr)
        return None
    low, high = args.faces
    groups = [[u.number for u in done if u.faces == n] for n in range(low, high + 1)]
    missing = [str(n) for n, group in enumerate(groups, start=low) if not group]
    if missing:
        print(f"No photo has {' or '.join(missing)} faces.", file=sys.stderr)
        return None
    longest = max(len(group) for group in groups)
    return [group[n % len(group)] for n in range(longest) for group in groups]


def face_range(value: str) -> tuple[int, int]:
    low, dash, high = value.partition("-")
    try:
        faces = int(low), int(high if dash else low)
    except ValueError:
        raise argparse.ArgumentTypeError("write it as LOW-HIGH, for example 1-3") from None
    if faces[0] > faces[1]:
        raise argparse.ArgumentTypeError("LOW may not be more than HIGH")
    if not 0 <= faces[0] <= faces[1] <= MAX_FACES:
        raise argparse.ArgumentTypeError(f"LOW-HIGH must be within 0-{MAX_FACES}")
    return faces


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by process ``pid`` and its descendants, those that
    ended included: each live process's /proc stat counts the children it has reaped. A process
    orphaned before it ended (its parent killed first) has left the tree, and its time with it.
    0.0 where /proc does not tell."""
    ticks, tree = 0, [pid]
    while tree:
        current = tree.pop()
        try:
            # After the command's closing parenthesis: field 3 (state) onwards; fields 14-17
            # are utime, stime, cutime and cstime.
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(tick) for tick in fields[11:15])
            tree += children(current)
        except OSError:  # a process that just ended
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The children of every thread of ``pid``: a thread that started a process is its parent."""
    found = []
    for thread in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (thread / "children").read_text().split()]
        except OSError:  # a thread that just ended
            continue
    return found


def process(value: str) -> tuple[str, int]:
    name, equals, pid = value.partition("=")
    if not (equals and name and pid.isdigit() and Path(f"/proc/{pid}").is_dir()):
        raise argparse.ArgumentTypeError(f"{value!r} is not NAME=PID of a running process")
    return name, int(pid)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the site, on loopback")
    parser.add_argument("--count", type=int, default=200, help="uploads in all (default 200)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests at a time")
    parser.add_argument(
        "--per-request",
        type=int,
        default=1,
        help=f"photos per request: 1 through the API, up to {MAX_PER_REQUEST} through the form",
    )
    parser.add_argument(
        "--photos",
        type=Path,
        default=os.environ.get("ATHLETES_SAMPLE_DATA"),
        help="folder of JPEG photos, searched recursively (default $ATHLETES_SAMPLE_DATA)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="API uploads per second, arriving at a steady pace (default: as fast as possible)",
    )
    parser.add_argument(
        "--faces",
        type=face_range,
        help="send photos with LOW to HIGH faces, each count equally often (e.g. 1-3; with a "
        "--count smaller than the counts in the range, the highest are not reached)",
    )
    parser.add_argument(
        "--cpu-of",
        type=process,
        action="append",
        default=[],
        metavar="NAME=PID",
        help="report the CPU time per photo of this process and its children (repeatable)",
    )
    parser.add_argument("--timeout", type=int, default=600, help="stop after this many seconds")
    parser.add_argument(
        "--summary", type=Path, help="also write the main figures to this file, as JSON"
    )
    parser.add_argument("--token", help="an API token; staff uploads are not throttled")
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname not in LOOPBACK:
        parser.error(f"--url must be on this machine ({', '.join(sorted(LOOPBACK))})")
    if not 1 <= args.count <= MAX_COUNT:
        parser.error(f"--count must be between 1 and {MAX_COUNT}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be between 1 and {MAX_CONCURRENCY}")
    if not 1 <= args.per_request <= MAX_PER_REQUEST:
        parser.error(f"--per-request must be between 1 and {MAX_PER_REQUEST}")
    if args.rate and (args.per_request != 1 or not 0 < args.rate <= MAX_RATE):
        parser.error(f"--rate must be between 0 and {MAX_RATE}, with --per-request 1")
    if not 1 <= args.timeout <= MAX_TIMEOUT:
        parser.error(f"--timeout must be between 1 and {MAX_TIMEOUT}")
    if args.photos is None or not Path(args.photos).is_dir():
        parser.error("--photos (or ATHLETES_SAMPLE_DATA) must name a folder of photos")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    photos = sorted(
        path
        for path in Path(args.photos).rglob("*")
        if path.suffix.lower() in (".jpg", ".jpeg") and path.read_bytes()[:2] == b"\xff\xd8"
    )
    if not photos:
        print(f"No JPEG photos under {args.photos}.", file=sys.stderr)
        return 2
    deadline, order = time.monotonic() + args.timeout, None
    if args.faces:
        if len(photos) > MAX_COUNT:
            print(f"--faces sends each photo once: at most {MAX_COUNT} photos.", file=sys.stderr)
            return 2
        order = by_faces(args, photos, deadline)
        if order is None:
            return 1
    test = LoadTest(args, photos, order, deadline)
    return 0 if test.report(test.run()) else 1


if __name__ == "__main__":
    sys.exit(main())
