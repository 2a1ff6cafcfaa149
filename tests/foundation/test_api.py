"""The public JSON API: health, regions, questions, and how bad input is refused."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient


async def test_healthz_reports_database_and_state(client: TestClient) -> None:
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "state": "ok"}


async def test_regions_list_every_served_county_with_its_townships(client: TestClient) -> None:
    body = await (await client.get("/api/v1/regions")).json()
    counties = {r["name"]: r for r in body["regions"]}
    for name in ("正安县", "城厢区", "同仁市", "平罗县", "临夏市", "东乡族自治县"):
        assert name in counties
    assert "通伏乡" in [t["name"] for t in counties["平罗县"]["townships"]]
    assert "隆务镇" in [t["name"] for t in counties["同仁市"]["townships"]]
    assert "同仁县" in counties["同仁市"]["aliases"]
    assert any(p["name"] == "临夏回族自治州" for p in counties["临夏县"]["parents"])


async def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    response = await client.get("/no/such/path")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_ask_answers_with_the_regions_figure_and_sources(client: TestClient) -> None:
    response = await client.post("/api/v1/ask", json={"text": "城厢区低保标准提高到多少", "region": "城厢区"})
    body = await response.json()
    assert response.status == 200
    assert body["answered"] is True
    assert "7920" in body["answer"]
    assert body["sources"] and all(s["document"] and s["section"] for s in body["sources"])
    assert isinstance(body["suggestions"], list)


async def test_ask_accepts_a_township_alias_and_county_plus_township(client: TestClient) -> None:
    for region in ("通伏", "平罗县通伏乡", "同仁县"):
        response = await client.post("/api/v1/ask", json={"text": "低保标准", "region": region})
        assert response.status == 200, region


async def test_ask_reads_the_region_as_the_dialogs_do(client: TestClient) -> None:
    for region, code in (("正安流渡", "520324105"), ("正安县 流渡镇", "520324105"), ("Tongren", "632301"),
                         ("Zhengan county", "520324"), ("黄南州同仁", "632301"), ("隆務鎮", "632301100")):
        response = await client.post("/api/v1/ask", json={"text": "低保标准", "region": region})
        assert response.status == 200, region
        assert (await response.json())["region"]["code"] == code, region


async def test_a_region_served_only_in_part_names_the_served_places(client: TestClient) -> None:
    for region, served in (("遵义市", "正安县"), ("莆田", "城厢区")):
        response = await client.post("/api/v1/ask", json={"text": "低保标准", "region": region})
        body = await response.json()
        assert response.status == 422 and body["error"]["field"] == "region"
        assert served in body["error"]["message"], body


async def test_ask_refuses_bad_input_naming_the_field(client: TestClient) -> None:
    cases = [
        (b"{not json", 400, None),
        (json.dumps({"region": "同仁市"}).encode(), 400, "text"),
        (json.dumps({"text": 42, "region": "同仁市"}).encode(), 422, "text"),
        (json.dumps({"text": "低保", "region": "火星市"}).encode(), 422, "region"),
        (json.dumps({"text": "低保", "region": "城关镇"}).encode(), 422, "region"),
        (json.dumps({"text": "", "region": "同仁市"}).encode(), 422, "text"),
        (json.dumps({"text": "低保", "region": "同仁市", "locale": "fr"}).encode(), 422, "locale"),
        (json.dumps(["低保"]).encode(), 400, None),
    ]
    for raw, status, field in cases:
        response = await client.post("/api/v1/ask", data=raw, headers={"Content-Type": "application/json"})
        body = await response.json()
        assert response.status == status, raw
        assert body["error"]["message"]
        assert body["error"].get("field") == field, raw


async def test_unknown_region_error_lists_the_supported_ones(client: TestClient) -> None:
    response = await client.post("/api/v1/ask", json={"text": "低保", "region": "火星市"})
    message = (await response.json())["error"]["message"]
    assert "正安县" in message and "同仁市" in message


async def test_ambiguous_township_error_says_how_to_choose(client: TestClient) -> None:
    response = await client.post("/api/v1/ask", json={"text": "低保", "region": "城关镇"})
    message = (await response.json())["error"]["message"]
    assert "平罗县城关镇" in message and "广河县城关镇" in message


async def test_two_megabyte_body_is_refused_with_413(client: TestClient) -> None:
    raw = json.dumps({"text": "低" * 2_000_000, "region": "同仁市"}).encode()
    response = await client.post("/api/v1/ask", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"
