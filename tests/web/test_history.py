"""The history page and GET /api/predictions/: newest first, filters, search, privacy."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from classifier.models import Prediction
from classifier.uploads import VISITOR_SESSION_KEY


@pytest.fixture
def mixed(make_prediction, staff):
    nadal = make_prediction(original_name="nadal-serve.jpg", label="rafael_nadal")
    james = make_prediction(original_name="James dunk.jpg", label="lebron_james")
    stranger = make_prediction(original_name="crowd.jpg", label="unknown")
    empty = make_prediction(original_name="empty-court.png", label="no_face")
    queued = make_prediction(original_name="new.jpg", label="", status="queued")
    james.review_all_faces(staff, "confirm")
    return {"nadal": nadal, "james": james, "stranger": stranger, "empty": empty, "queued": queued}


def names(predictions) -> set[str]:
    return {p.original_name for p in predictions}


def html_names(response) -> set[str]:
    return names(response.context["page"].object_list)


def api_names(response) -> set[str]:
    return {item["original_name"] for item in response.json()["results"]}


FILTERS = [
    ({"label": "rafael_nadal"}, {"nadal-serve.jpg"}),
    ({"label": "unknown"}, {"crowd.jpg"}),
    ({"label": "no_face"}, {"empty-court.png"}),
    ({"status": "queued"}, {"new.jpg"}),
    ({"reviewed": "true"}, {"James dunk.jpg"}),
    ({"reviewed": "false"}, {"nadal-serve.jpg", "crowd.jpg", "empty-court.png", "new.jpg"}),
    ({"q": "JAMES"}, {"James dunk.jpg"}),
    ({"q": "court", "label": "no_face"}, {"empty-court.png"}),
    ({"q": "lebron"}, {"James dunk.jpg"}),
    ({"q": "Rafael N"}, {"nadal-serve.jpg"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_the_page_filters(staff_client, mixed, params, expected):
    response = staff_client.get("/predictions/", params)

    assert response.status_code == 200
    assert html_names(response) == expected


@pytest.mark.db_engine  # filters: text search, Exists(), joins
@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_the_api_filters_the_same_way(staff_client, mixed, params, expected):
    response = staff_client.get("/api/predictions/", params)

    assert response.status_code == 200
    assert api_names(response) == expected


@pytest.mark.db_engine  # ordering
def test_it_lists_newest_first(staff_client, mixed):
    response = staff_client.get("/api/predictions/")

    created = [item["created_at"] for item in response.json()["results"]]
    assert created == sorted(created, reverse=True)


def test_the_api_refuses_an_unknown_filter_value(staff_client, mixed):
    response = staff_client.get("/api/predictions/", {"status": "sleeping"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_filters_apply_to_lists_only(staff_client, mixed):
    url = f"/api/predictions/{mixed['nadal'].pk}/"

    response = staff_client.get(url, {"status": "queued", "reviewed": "maybe"})

    assert response.status_code == 200
    assert response.json()["original_name"] == "nadal-serve.jpg"


def test_the_page_shows_a_bad_filter_as_an_error_and_ignores_it(staff_client, mixed):
    response = staff_client.get("/predictions/", {"status": "sleeping"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 5
    assert "Select a valid choice" in response.content.decode()


def test_the_page_paginates_and_keeps_the_filters(staff_client, make_prediction):
    for i in range(30):
        make_prediction(original_name=f"p{i}.jpg")

    first = staff_client.get("/predictions/", {"label": "rafael_nadal"})
    second = staff_client.get("/predictions/", {"label": "rafael_nadal", "page": 2})

    assert len(first.context["page"].object_list) == 24
    assert "?label=rafael_nadal&amp;page=2" in first.content.decode()
    assert len(second.context["page"].object_list) == 6


def test_the_api_paginates(staff_client, make_prediction):
    for i in range(25):
        make_prediction(original_name=f"p{i}.jpg")

    body = staff_client.get("/api/predictions/").json()

    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["next"].endswith("/api/predictions/?page=2")


def test_an_anonymous_visitor_sees_only_the_uploads_of_their_session(client, mixed):
    session = client.session
    session[VISITOR_SESSION_KEY] = "my-browser"
    session.save()
    Prediction.objects.filter(pk=mixed["nadal"].pk).update(visitor="my-browser")
    Prediction.objects.filter(pk=mixed["james"].pk).update(visitor="another-browser")

    assert html_names(client.get("/predictions/")) == {"nadal-serve.jpg"}
    assert api_names(client.get("/api/predictions/")) == {"nadal-serve.jpg"}


def test_a_signed_in_user_sees_their_own_uploads(user_client, mixed, django_user_model):
    Prediction.objects.filter(pk=mixed["stranger"].pk).update(
        uploader=django_user_model.objects.get(username="fan")
    )

    assert html_names(user_client.get("/predictions/")) == {"crowd.jpg"}
    assert api_names(user_client.get("/api/predictions/")) == {"crowd.jpg"}


def test_uploading_adds_the_photo_to_the_visitors_history(client, model_version, sent_tasks):
    from tests.web.conftest import jpeg_bytes, upload_file

    client.get("/")
    client.post("/api/predictions/", {"image": upload_file(jpeg_bytes(), "mine.jpg")})
    client.post("/upload/", {"image": upload_file(jpeg_bytes(colour=(1, 2, 3)), "also.jpg")})

    assert api_names(client.get("/api/predictions/")) == {"mine.jpg", "also.jpg"}
    assert html_names(client.get("/predictions/")) == {"mine.jpg", "also.jpg"}
    assert api_names(Client().get("/api/predictions/")) == set()


@pytest.mark.db_engine  # ordering across pages
def test_every_page_holds_the_rows_of_its_place_in_the_order(staff_client, make_prediction):
    for i in range(45):
        make_prediction(original_name=f"p{i}.jpg")
    newest_first = [str(pk) for pk in Prediction.objects.values_list("pk", flat=True)]

    pages = [staff_client.get("/api/predictions/", {"page": n}).json() for n in (1, 2, 3)]
    html = staff_client.get("/predictions/", {"page": 2}).context["page"].object_list

    assert [item["id"] for page in pages for item in page["results"]] == newest_first
    assert [str(p.pk) for p in html] == newest_first[24:45]


@pytest.fixture
def dated(make_prediction, settings):
    """Photos uploaded at the edges of days in a time zone far from UTC, so a day read in UTC
    would hold the wrong ones."""
    settings.TIME_ZONE = "Pacific/Auckland"
    today = timezone.localdate()

    def at(days_ago: int, clock: time) -> datetime:
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), clock))

    make_prediction(original_name="today.jpg", created_at=at(0, time(0, 1)))
    make_prediction(original_name="late-yesterday.jpg", created_at=at(1, time(23, 59)))
    make_prediction(original_name="early-yesterday.jpg", created_at=at(1, time(0, 0)))
    make_prediction(original_name="six-days-ago.jpg", created_at=at(6, time(12)))
    make_prediction(original_name="a-week-ago.jpg", created_at=at(7, time(23, 59)))
    return {days: (today - timedelta(days=days)).isoformat() for days in range(8)}


DATES = [
    ({"uploaded": "today"}, {"today.jpg"}),
    ({"uploaded": "yesterday"}, {"late-yesterday.jpg", "early-yesterday.jpg"}),
    (
        {"uploaded": "week"},
        {"today.jpg", "late-yesterday.jpg", "early-yesterday.jpg", "six-days-ago.jpg"},
    ),
    ({"since": 1, "until": 1}, {"late-yesterday.jpg", "early-yesterday.jpg"}),
    ({"since": 6, "until": 1}, {"late-yesterday.jpg", "early-yesterday.jpg", "six-days-ago.jpg"}),
    ({"until": 6}, {"six-days-ago.jpg", "a-week-ago.jpg"}),
    ({"since": 0}, {"today.jpg"}),
    ({"since": 1, "until": 6}, set()),
]


def with_dates(params: dict, dated: dict) -> dict:
    return {
        key: dated[value] if key in ("since", "until") else value for key, value in params.items()
    }


@pytest.mark.parametrize(("params", "expected"), DATES)
def test_the_page_filters_by_the_day_of_upload(staff_client, dated, params, expected):
    response = staff_client.get("/predictions/", with_dates(params, dated))

    assert response.status_code == 200
    assert html_names(response) == expected


@pytest.mark.db_engine  # time zones and datetime comparison
@pytest.mark.parametrize(("params", "expected"), DATES)
def test_the_api_and_the_export_filter_by_the_day_the_same_way(
    staff_client, dated, params, expected
):
    query = with_dates(params, dated)

    listed = staff_client.get("/api/predictions/", query)
    exported = staff_client.get("/predictions/export.json", query)

    assert api_names(listed) == expected
    assert {item["original_name"] for item in exported.json()} == expected


def test_a_date_that_is_not_one_is_refused_in_words(staff_client, dated):
    page = staff_client.get("/predictions/", {"since": "yesterday"})
    api = staff_client.get("/api/predictions/", {"since": "yesterday"})

    assert len(page.context["page"].object_list) == 5
    assert "Enter a valid date." in page.content.decode()
    assert api.status_code == 400
    assert api.json() == {"since": ["Enter a valid date."]}


def test_the_search_finds_a_name_a_reviewer_gave(staff_client, mixed, staff):
    mixed["stranger"].review_all_faces(staff, "correct", "lebron_james")

    response = staff_client.get("/api/predictions/", {"q": "LeBron"})

    assert api_names(response) == {"James dunk.jpg", "crowd.jpg"}


def test_a_search_that_names_no_athlete_reads_only_the_photos(mixed):
    with CaptureQueriesContext(connection) as captured:
        found = {p.original_name for p in Prediction.objects.search("court")}

    assert found == {"empty-court.png"}
    # The faces' subquery beside the file name kept PostgreSQL from its trigram index.
    assert [query for query in captured if "classifier_face" in query["sql"]] == []


def test_every_filter_has_a_label_in_words(staff_client, mixed):
    html = staff_client.get("/predictions/").content.decode()

    assert "[invalid name]" not in html
    assert "<label>Athlete <select" in html


@pytest.mark.db_engine  # a time zone's edge of the calendar, as each database stores it
@pytest.mark.parametrize(
    ("query", "count"),
    [({"until": "9999-12-31"}, 5), ({"until": "9999-12-30"}, 5), ({"since": "0001-01-01"}, 5),
     ({"since": "0001-01-02", "until": "0001-01-01"}, 0)],
)  # fmt: skip
@pytest.mark.parametrize("url", ["/predictions/", "/api/predictions/", "/predictions/export.json"])
def test_the_calendars_first_and_last_days_are_dates_like_any(
    staff_client, dated, url, query, count
):
    """In a time zone far from UTC, the edges of the first and last days are no moment in UTC:
    such a bound once answered 500 on every list."""
    response = staff_client.get(url, query)

    assert response.status_code == 200
    if url == "/api/predictions/":
        assert response.json()["count"] == count
    elif url.endswith(".json"):
        assert len(response.json()) == count


def test_the_answer_menus_offer_only_answers_a_photo_can_have(staff_client, mixed):
    """A face may be "not a face"; a photo whose faces are all false detections is
    "No face found", so no photo carries it and a menu offering it would find nothing."""
    page = staff_client.get("/predictions/").content.decode()
    admin = staff_client.get("/admin/classifier/prediction/").content.decode()
    refused = staff_client.get("/api/predictions/", {"label": "not_a_face"})

    assert 'value="no_face"' in page and 'value="not_a_face"' not in page
    assert "?label=no_face" in admin and "?label=not_a_face" not in admin
    assert refused.status_code == 400


def test_an_empty_history_says_where_to_upload_and_a_filter_that_finds_nothing_says_so(
    staff_client, make_prediction
):
    # A new account lands on History: "No photos match." read as though something were hidden.
    empty = staff_client.get("/predictions/").content.decode()
    make_prediction(original_name="nadal-serve.jpg", label="rafael_nadal")
    unmatched = staff_client.get("/predictions/", {"label": "lebron_james"}).content.decode()

    assert 'No photos yet: <a href="/">upload one</a>.' in empty
    assert "No photos match." not in empty
    assert "No photos match." in unmatched
