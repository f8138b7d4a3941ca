"""The bad-input and abuse corpus against the served site: gunicorn configured as scripts/run
configures it, a real Celery worker and the real model; nothing here goes through the test
client.

Every case gets a clear 4xx, a 429/503, or an accepted photo that ends ``done``, or ``failed``
with a reason in plain words. Never a 5xx, never a dead worker, and never a row without its
files or a file without its row.
"""

import re
import socket
import time

import pytest
import requests

from classifier.models import Prediction
from tests.web import corpus
from tests.web.conftest import RESULT_SECONDS, stored_files
from tests.web.processes import is_alive

pytestmark = pytest.mark.integration

API, FORM = "/api/predictions/", "/upload/"
# What a user must never read: an exception's name, a traceback, a path on the server.
UNFIT_FOR_USERS = re.compile(r"[A-Z]\w+(Error|Exception|Exceeded)\b|Traceback|/srv/|/tmp/|/work/")
answers: list[tuple[str, int]] = []


def record(case: str, response: requests.Response) -> requests.Response:
    answers.append((case, response.status_code))
    return response


def as_file(sample: corpus.Sample) -> tuple[str, bytes, str]:
    return (sample.filename, sample.data, sample.content_type)


def api_post(served, case: str, files, **kwargs) -> requests.Response:
    return record(case, requests.post(f"{served.url}{API}", files=files, timeout=60, **kwargs))


def form_post(served, case: str, files) -> requests.Response:
    session = requests.Session()
    session.get(f"{served.url}/", timeout=10)
    response = session.post(
        f"{served.url}{FORM}",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files=files,
        allow_redirects=False,
        timeout=60,
    )
    return record(case, response)


def finished(served, pk) -> Prediction:
    deadline = time.monotonic() + RESULT_SECONDS
    prediction = Prediction.objects.get(pk=pk)
    while prediction.is_pending:
        assert time.monotonic() < deadline, f"still {prediction.status}\n{served.logs()}"
        time.sleep(0.2)
        prediction.refresh_from_db()
    return prediction


@pytest.fixture
def nothing_stored(served, active_model):
    """The case must leave no row and no file."""
    before = stored_files(served.media_root)
    yield
    assert not Prediction.objects.exists()
    assert stored_files(served.media_root) == before


@pytest.mark.parametrize("kind", corpus.REFUSED)
def test_a_refused_file_gets_a_400_with_the_reason(served, nothing_stored, kind):
    refusal = corpus.REFUSED[kind]
    sample = refusal.sample

    response = api_post(served, kind, {"image": as_file(sample)})

    assert response.status_code == 400, served.logs()
    assert refusal.reason in response.json()["image"][0]


# The longest side allowed costs the worker about 1,400 detector runs a photo (a minute on a
# busy machine): the slow lane sends them; the default lane sends every other accepted kind.
PANORAMAS = {"PNG of 12,000×1,200", "PNG of 1,200×12,000"}
ACCEPTED = [
    pytest.param(kind, marks=pytest.mark.slow) if kind in PANORAMAS else kind
    for kind in corpus.ACCEPTED
]


@pytest.mark.parametrize("kind", ACCEPTED)
def test_an_accepted_file_ends_done_or_failed_in_plain_words(served, active_model, kind):
    sample = corpus.ACCEPTED[kind].sample
    before = stored_files(served.media_root)

    response = api_post(served, kind, {"image": as_file(sample)})

    assert response.status_code in (201, 202), served.logs()
    prediction = finished(served, response.json()["id"])
    assert prediction.status in (Prediction.Status.DONE, Prediction.Status.FAILED)
    if prediction.status == Prediction.Status.FAILED:
        assert prediction.error and not UNFIT_FOR_USERS.search(prediction.error), prediction.error
    else:
        assert prediction.label and prediction.annotated
    files = {prediction.image.name, prediction.thumbnail.name, prediction.annotated.name} - {""}
    assert stored_files(served.media_root) - before == {served.media_root / f for f in files}


def test_21_files_in_the_form_get_a_clear_400(served, nothing_stored):
    files = [("image", (f"{n}.jpg", corpus.jpeg(colour=(n, 0, 0)))) for n in range(21)]

    response = form_post(served, "21 files", files)

    assert response.status_code == 400
    assert "Send at most 20 photos at a time." in response.text


def test_six_strips_of_40_megapixels_in_one_form_are_refused_at_once(served, nothing_stored):
    """Each cost the web 7-20 s to decode; six in one form ran past gunicorn's timeout with
    five of them stored."""
    strip = corpus.png_bomb(1, 40_000_000)
    files = [("image", (f"strip{n}.png", strip, "image/png")) for n in range(6)]

    started = time.monotonic()
    response = form_post(served, "six 1×40,000,000 strips", files)
    seconds = time.monotonic() - started

    assert response.status_code == 400
    assert "each side may be at most 12,000 px" in response.text
    assert seconds < 10, f"the refusal took {seconds:.1f} s"


def test_a_form_with_one_bad_file_stores_nothing(served, nothing_stored):
    files = [
        ("image", ("good.jpg", corpus.jpeg(), "image/jpeg")),
        ("image", ("strip.png", corpus.png_bomb(1, 40_000_000), "image/png")),
    ]

    response = form_post(served, "one bad file of two", files)

    assert response.status_code == 400
    assert "Nothing was stored" in response.text


def test_a_form_past_the_pixel_budget_stores_nothing(served, nothing_stored):
    large = corpus.flat_png((8_000, 5_000))
    files = [("image", (f"large{n}.png", large, "image/png")) for n in range(3)]

    response = form_post(served, "120 megapixels in one form", files)

    assert response.status_code == 400
    assert "too large to take in one request" in response.text


def test_two_files_to_the_api_get_a_400(served, nothing_stored):
    files = [("image", (f"{n}.jpg", corpus.jpeg(colour=(n, 0, 0)))) for n in range(2)]

    response = api_post(served, "two files to the API", files)

    assert response.status_code == 400
    assert response.json() == {"image": ["Send one photo per request."]}


def test_deeply_nested_json_gets_a_400(served, nothing_stored):
    response = record(
        "nested JSON",
        requests.post(
            f"{served.url}{API}",
            data="[" * 200_000,
            headers={"Content-Type": "application/json"},
            timeout=30,
        ),
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_50_mb_body_gets_a_413_before_it_is_sent(served, nothing_stored):
    head = (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=big\r\nContent-Length: 50000000\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.web.port), timeout=10) as connection:
        connection.sendall(head + b"--big\r\n")
        status_line = connection.recv(100).split(b"\r\n")[0]

    answers.append(("50 MB body", int(status_line.split()[1])))
    assert status_line.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    ("case", "method", "path", "expected"),
    [
        ("broken multipart", "post", API, 400),
        ("PUT on the list", "put", API, 405),
        ("DELETE on the list", "delete", API, 405),
        ("not a UUID", "get", "/api/predictions/not-a-uuid/", 404),
        ("unknown UUID", "get", "/predictions/00000000-0000-0000-0000-000000000000/", 404),
        ("junk filters", "get", "/api/predictions/?status=<script>&label=%00&page=-1", 400),
        ("junk page", "get", "/predictions/?page=99999999999999999999&status=x", 200),
        ("anonymous review", "post", f"{API}00000000-0000-0000-0000-000000000000/review/", 403),
        ("forged Host", "get", "/", 400),
        ("path traversal", "get", "/media/../../etc/passwd", 404),
    ],
)
def test_odd_requests_get_a_clear_answer(served, nothing_stored, case, method, path, expected):
    headers = {"Host": "evil.example"} if case == "forged Host" else {}
    if case == "broken multipart":
        headers["Content-Type"] = "multipart/form-data; boundary=x"
    response = record(
        case,
        requests.request(
            method, f"{served.url}{path}", headers=headers, data=b"--y\r\n", timeout=10
        ),
    )

    assert response.status_code == expected, response.text[:300]


def test_a_real_photo_among_them_is_still_recognized(served, active_model, sample_data):
    photo = sample_data / "rafael_nadal" / "nadal(3).jpg"

    response = api_post(served, "a real photo", {"image": (photo.name, photo.read_bytes())})

    assert response.status_code == 202
    assert finished(served, response.json()["id"]).label == "rafael_nadal"


def test_the_whole_run_had_no_server_error_and_no_dead_worker(served, active_model):
    """Runs last, over every answer this module got. (Each case checked its rows and files.)"""
    assert answers, "run the whole module"
    assert [(case, status) for case, status in answers if status >= 500] == []
    assert is_alive(served.worker.pid)
    log = served.worker.log.read_text()
    assert "WorkerLostError" not in log and "exited with" not in log
