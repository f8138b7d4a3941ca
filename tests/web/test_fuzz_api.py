"""Schemathesis fuzzes every API operation from the app's own OpenAPI schema, served by the live
server on loopback, and not one answer may be a server error.

Requests follow the schema (positive) or break it on purpose (negative). They are sent as a
staff member with a token, so the staff-only review is reached too, with ``{id}`` pointing at a
real prediction (or its face), so detail and review get past their 404. Each operation gets a
bounded number of examples: a few in the default lane, many more in the slow lane (``--slow``);
accepted uploads are recorded instead of sent to a broker.

(Schemathesis's ``from_fixture`` parametrisation fails on pytest 9, so the test drives each
operation's Hypothesis strategy itself.)
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.control import SkipTest

from classifier.web.api_tokens import issue as issue_token

pytestmark = pytest.mark.db_engine

# Examples per operation and mode: the default lane's quick pass, and the slow lane's deep one.
EXAMPLES = [pytest.param(5, id="quick"), pytest.param(100, id="deep", marks=pytest.mark.slow)]


@pytest.fixture
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")


@pytest.fixture
def staff_headers(staff) -> dict[str, str]:
    return {"Authorization": f"Token {issue_token(staff)}"}


def fuzz(
    operation, mode: GenerationMode, examples: int, headers: dict, path_parameters: dict
) -> bool:
    """Fuzz one operation; False when it has nothing to get wrong (no input to break).

    With the schema set to this mode alone, Schemathesis says so at its first draw; with both
    modes it rejected every draw until Hypothesis gave up (Unsatisfiable after hundreds of
    draws, 1.2 s of CPU for each such operation: 9 of the negative quick pass's 13 s)."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    try:
        call()
    except SkipTest:
        assert mode == GenerationMode.NEGATIVE
        return False
    return True


@pytest.mark.parametrize("examples", EXAMPLES)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_makes_the_api_fail(
    api_schema, staff_headers, make_prediction, sent_tasks, mode, examples
):
    api_schema.config.generation.update(modes=[mode])
    prediction = make_prediction()
    ids = {"/api/faces/": str(prediction.faces.get().pk), "/api/": str(prediction.pk)}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5

    fuzzed = []
    for operation in operations:
        prefix = next(prefix for prefix in ids if operation.path.startswith(prefix))
        path_parameters = {"id": ids[prefix]} if "{id}" in operation.path else None
        if fuzz(operation, mode, examples, staff_headers, path_parameters):
            fuzzed.append(operation.label)

    assert "POST /api/predictions/" in fuzzed
    assert "POST /api/predictions/{id}/review/" in fuzzed
    assert "POST /api/faces/{id}/review/" in fuzzed
