"""Every error reaches the client as RFC 9457 problem+json naming the field and the value."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from edu_shared.errors import Conflict
from edu_shared.web.problems import PROBLEM_JSON, install_problem_handlers


class ScoreIn(BaseModel):
    student: str
    value: float = Field(ge=0, le=10)


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/scores")
    async def create(body: ScoreIn) -> dict[str, str]:
        if body.student == "dup":
            raise Conflict("Điểm của học sinh này đã có.", field="student", value=body.student)
        return {"ok": "yes"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("bug")

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_out_of_range_value_names_field_and_value(client: httpx.AsyncClient) -> None:
    response = await client.post("/scores", json={"student": "An", "value": 11})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert body["errors"] == [
        {"field": "body.value", "value": 11, "message": "Giá trị quá lớn (giới hạn 10)", "code": "less_than_equal"}
    ]
    assert "body.value" in body["detail"] and "11" in body["detail"]


async def test_wrong_type_is_reported_in_vietnamese(client: httpx.AsyncClient) -> None:
    response = await client.post("/scores", json={"student": "An", "value": "mười"})
    body = response.json()
    assert response.status_code == 422
    assert body["errors"][0]["value"] == "mười"
    assert body["errors"][0]["message"] == "Phải là số"


async def test_malformed_json_is_a_problem_not_a_crash(client: httpx.AsyncClient) -> None:
    response = await client.post("/scores", content=b'{"student": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


async def test_domain_error_keeps_its_type_and_extensions(client: httpx.AsyncClient) -> None:
    response = await client.post("/scores", json={"student": "dup", "value": 5})
    body = response.json()
    assert response.status_code == 409
    assert body["type"].endswith("/conflict")
    assert body["detail"] == "Điểm của học sinh này đã có."
    assert body["field"] == "student" and body["value"] == "dup"
    assert body["instance"] == "/scores"


async def test_unknown_path_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM_JSON)
    wrong = await client.get("/scores")
    assert wrong.status_code == 405 and "GET" in wrong.json()["detail"]


async def test_unexpected_error_hides_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert "bug" not in response.text
    assert response.json()["type"].endswith("/internal-error")
