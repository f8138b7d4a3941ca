"""The OpenAPI schema validates and documents every endpoint; the docs need no CDN."""

import yaml
from django.core.management import call_command

ENDPOINTS = {
    "/api/predictions/": {"get", "post"},
    "/api/predictions/{id}/": {"get", "delete"},
    "/api/predictions/{id}/review/": {"post"},
    "/api/predictions/{id}/photo/": {"get"},
    "/api/athletes/": {"get", "post"},
    "/api/athletes/{label}/examples/": {"get", "post"},
    "/api/events/": {"get"},
    "/api/events/{id}/": {"get"},
    "/api/events/{id}/export/": {"get"},
    "/api/models/": {"get", "post"},
    "/api/models/{version}/": {"get"},
    "/api/models/{version}/activate/": {"post"},
    "/api/models/{version}/comparison/": {"get"},
    "/api/models/{version}/rerun/": {"post"},
    "/api/models/rollback/": {"post"},
    "/api/faces/{id}/review/": {"post"},
    "/api/faces/review/": {"post"},
    "/api/people/": {"get"},
    "/api/people/name/": {"post"},
    "/api/imports/": {"get", "post"},
    "/api/imports/{id}/": {"get"},
    "/api/people/{id}/": {"get"},
    "/api/people/{id}/hide/": {"post"},
    "/api/people/{id}/merge/": {"post"},
    "/api/people/{id}/split/": {"post"},
    "/api/faces/{id}/more-photos/": {"get"},
}


def test_the_schema_validates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert out.stat().st_size > 0


def test_the_schema_covers_every_endpoint(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    documented = {path: set(item) for path, item in schema["paths"].items()}
    assert documented == ENDPOINTS


def test_the_upload_documents_202_201_400_and_403(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    responses = schema["paths"]["/api/predictions/"]["post"]["responses"]
    assert {"201", "202", "400", "403"} <= set(responses)  # 403: an event closed to the caller
    body = schema["paths"]["/api/predictions/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body


def test_the_interactive_docs_load_their_assets_from_the_app(client, db):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_the_list_documents_the_history_filters(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    parameters = schema["paths"]["/api/predictions/"]["get"]["parameters"]
    types = {parameter["name"]: parameter["schema"]["type"] for parameter in parameters}
    assert types == {
        "label": "string",
        "athlete": "string",
        "status": "string",
        "reviewed": "boolean",
        "event": "integer",
        "needs_review": "boolean",
        "q": "string",
        "uploaded": "string",
        "since": "string",
        "until": "string",
        "sort": "string",
        "page": "integer",
    }


def test_the_upload_documents_keeping_the_location(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    keep = schema["components"]["schemas"]["UploadRequest"]["properties"]["keep_location"]
    assert keep["type"] == "boolean" and keep["default"] is False
    assert "GPS" in keep["description"] and "serial numbers" in keep["description"]
