"""POST /api/v1/screen as the contract fixes it: shapes, order, and a 4xx naming the field for every bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from knowledge_base.screening import PROGRAM_IDS

CONTRACT_EXAMPLE = {
    "region": "正安县", "residence": "rural",
    "household": {"size": 3, "annual_income": 6000, "exempt_income": 0, "employment_costs": 0, "rigid_expenses": 0,
                  "poverty_status": "none", "income_drop": False, "expense_surge": False, "emergency": False,
                  "unsafe_housing": False, "relocated": False},
    "members": [{"age": 40, "labor": "full", "disability_grade": None, "serious_illness": False, "orphan": False,
                 "school": None, "boarding": False}],
    "supporters": True,
}


def with_household(**fields: Any) -> dict[str, Any]:
    return {"region": "正安县", "household": {"size": 2, "annual_income": 1000, **fields}}


@pytest.mark.parametrize("region", ["正安县", "城厢区", "同仁市", "通伏乡", "临夏州", "临夏县", "土桥镇", "黄渠桥镇"])
async def test_every_place_gets_one_result_per_program_in_order(client: TestClient, region: str) -> None:
    response = await client.post("/api/v1/screen", json={**CONTRACT_EXAMPLE, "region": region})
    assert response.status == 200
    body = await response.json()
    assert [r["program"] for r in body["results"]] == list(PROGRAM_IDS)
    assert body["disclaimer"] and "不是审批决定" in body["disclaimer"]
    assert body["region"]["code"] and body["region"]["name"]
    for result in body["results"]:
        assert set(result) == {"program", "name", "verdict", "amount", "reasons", "sources", "next_step"}
        assert result["verdict"] in ("likely", "possible", "unlikely")
        assert result["reasons"] and all(isinstance(r, str) and r for r in result["reasons"])
        assert result["next_step"]
        assert all(set(s) == {"document", "section"} for s in result["sources"])
        assert result["amount"] is None or isinstance(result["amount"], str)


async def test_the_contract_example_reads_as_a_resident_would_expect(client: TestClient) -> None:
    response = await client.post("/api/v1/screen", json=CONTRACT_EXAMPLE)
    results = {r["program"]: r for r in (await response.json())["results"]}
    dibao = results["dibao"]
    assert dibao["verdict"] == "likely" and dibao["name"] == "最低生活保障"
    assert "3876" in dibao["amount"] and any("3876" in r for r in dibao["reasons"])
    assert {"document": "正府办通〔2018〕150号", "section": "一（四）"} in dibao["sources"]


async def test_only_region_size_and_income_are_required(client: TestClient) -> None:
    response = await client.post("/api/v1/screen", json={"region": "城厢区", "household": {"size": 1,
                                                                                          "annual_income": 0}})
    assert response.status == 200
    results = {r["program"]: r for r in (await response.json())["results"]}
    assert results["dibao"]["verdict"] == "likely" and "7920" in results["dibao"]["amount"]
    assert results["tekun"]["verdict"] == "unlikely"  # default: an adult with full labour and supporters


async def test_a_lone_old_person_without_income_or_supporters(client: TestClient) -> None:
    response = await client.post("/api/v1/screen", json={
        "region": "正安县", "household": {"size": 1, "annual_income": 0},
        "members": [{"age": 80, "labor": "none"}], "supporters": False})
    results = {r["program"]: r for r in (await response.json())["results"]}
    assert results["tekun"]["verdict"] == "likely" and "741元/月" in results["tekun"]["amount"]


@pytest.mark.parametrize(("name", "body", "field"), [
    ("household size 0", with_household(size=0), "household.size"),
    ("negative income", with_household(annual_income=-5), "household.annual_income"),
    ("size of the wrong type", with_household(size="three"), "household.size"),
    ("size as a fraction", with_household(size=2.5), "household.size"),
    ("income as text", with_household(annual_income="六千"), "household.annual_income"),
    ("negative rigid expenses", with_household(rigid_expenses=-1), "household.rigid_expenses"),
    ("unknown poverty status", with_household(poverty_status="poor"), "household.poverty_status"),
    ("flag as a word", with_household(emergency="yes"), "household.emergency"),
    ("exempt income above income", with_household(exempt_income=5000), "household.exempt_income"),
    ("missing size", {"region": "正安县", "household": {"annual_income": 1}}, "household.size"),
    ("missing income", {"region": "正安县", "household": {"size": 1}}, "household.annual_income"),
    ("missing household", {"region": "正安县"}, "household"),
    ("unknown residence", {**with_household(), "residence": "city"}, "residence"),
    ("member age of the wrong type", {**with_household(), "members": [{"age": "old"}]}, "members.0.age"),
    ("disability grade 7", {**with_household(), "members": [{}, {"disability_grade": 7}]},
     "members.1.disability_grade"),
    ("unknown school", {**with_household(), "members": [{"school": "kindergarten"}]}, "members.0.school"),
    ("more members than people", {**with_household(size=1), "members": [{}, {}]}, "members"),
    ("supporters as a word", {**with_household(), "supporters": "no"}, "supporters"),
    ("unknown region", {**with_household(), "region": "火星市"}, "region"),
    ("region of the wrong type", {**with_household(), "region": 520324}, "region"),
    ("missing region", {"household": {"size": 1, "annual_income": 1}}, "region"),
])
async def test_bad_input_is_a_4xx_naming_the_field(client: TestClient, name: str, body: dict[str, Any],
                                                   field: str) -> None:
    response = await client.post("/api/v1/screen", json=body)
    assert 400 <= response.status < 500, name
    error = (await response.json())["error"]
    assert error["field"] == field, (name, error)
    assert error["message"]


async def test_unknown_region_lists_the_supported_ones(client: TestClient) -> None:
    response = await client.post("/api/v1/screen", json={**with_household(), "region": "火星市"})
    message = (await response.json())["error"]["message"]
    assert all(place in message for place in ("正安县", "城厢区", "同仁市", "平罗县"))


async def test_not_json_and_oversized_bodies(client: TestClient) -> None:
    response = await client.post("/api/v1/screen", data=b"[1, 2", headers={"Content-Type": "application/json"})
    assert response.status == 400 and "error" in await response.json()
    response = await client.post("/api/v1/screen", data=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.status == 400
    big = json.dumps({**with_household(), "pad": "低" * 2_000_000}).encode()
    response = await client.post("/api/v1/screen", data=big, headers={"Content-Type": "application/json"})
    assert response.status == 413 and (await response.json())["error"]
