"""seed_history fills a big history with faces and reviews, and takes exactly its rows back;
bench_history measures it."""

import gc

import pytest
from django.core.management import CommandError, call_command

from classifier.models import Face, FaceReview, Person, Prediction


@pytest.mark.db_engine  # bulk_create returning ids, in a transaction
def test_it_seeds_predictions_with_faces_and_reviews(model_version, capsys):
    call_command("seed_history", "--count", "300")

    assert Prediction.objects.count() == 300
    done = Prediction.objects.filter(status=Prediction.Status.DONE)
    assert done.exclude(label="no_face").filter(faces__isnull=True).count() == 0
    assert set(Face.objects.values_list("position", flat=True)) <= {0, 1, 2}
    assert FaceReview.objects.exists()
    assert Face.objects.filter(review__isnull=False).count() == FaceReview.objects.count()
    assert not Prediction.objects.filter(status__in=["queued", "running"]).exists()
    assert set(done.values_list("label", flat=True)) == {
        "lebron_james", "rafael_nadal", "unknown", "no_face",
    }  # fmt: skip
    out = capsys.readouterr().out
    assert "Seeded 300 predictions" in out and "Grouped" in out
    assert not Face.objects.filter(embedding__isnull=True).exists()
    unknown = Face.objects.unknown()
    assert unknown.exists() and not unknown.filter(person__isnull=True).exists()
    assert not Face.objects.exclude(label="unknown").filter(person__isnull=False).exists()
    assert Person.objects.shown().exists()  # grouped at the end, as the worker leaves them


@pytest.mark.db_engine  # bulk deletes
def test_it_removes_only_the_seeded_rows(model_version, make_prediction):
    own = make_prediction()
    call_command("seed_history", "--count", "50")

    call_command("seed_history", "--remove")

    assert list(Prediction.objects.all()) == [own]
    assert list(Face.objects.all()) == list(own.faces.all())


def test_it_needs_an_active_model(db):
    with pytest.raises(CommandError, match="active model version"):
        call_command("seed_history", "--count", "10")
    assert not Prediction.objects.exists()


def test_the_benchmark_measures_every_request(model_version, capsys):
    call_command("seed_history", "--count", "60")

    call_command("bench_history", "--rounds", "2")

    out = capsys.readouterr().out
    for request in ("history page", "API reviewed=false", "API q=final", "API prediction"):
        assert f"staff  {request}" in out
        assert f"owner  {request}" in out
    assert "staff  people page" in out and "staff  API people" in out
    for request in ("more photos (unknown)", "API more photos (athlete)"):
        assert f"staff  {request}" in out

    call_command("bench_history", "--rounds", "2", "--only", "people")

    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split("  ")[1].strip() for row in rows] == ["people page", "API people"]
    assert gc.get_freeze_count() == 0  # the process left as it was


def test_the_people_benchmark_prints_recall_and_the_cost_of_grouping(model_version, capsys):
    call_command("seed_history", "--count", "200")
    capsys.readouterr()

    call_command("bench_people", "--queries", "20", "--placements", "5")

    out = capsys.readouterr().out
    assert "CPUs; load average" in out
    assert "recall@10 against exact search: " in out
    assert "grouping one arriving face: p50 " in out and "(5 faces, rolled back)" in out
    assert Person.objects.shown().exists() and Face.objects.filter(person__isnull=False).exists()
