"""A village cadre files for a resident who cannot (同仁市 seed 002 二（五）2: 失能失智等无法提出申请的，
由村委会帮助其提出纳入申请), and sees only what they filed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.staff_cli import StaffCommandError, _scope
from tests.fakes import FakeGateway
from tests.tickets.support import LONGWU, add_staff, bearer, converse, file_by_sms, settle, standard_staff
from tests.tickets.test_console import sign_in

MINSHENG = str(Path(sys.executable).parent / "minsheng")


def test_a_cadre_account_belongs_to_one_township(database_url: str, tmp_path: Path) -> None:
    assert _scope("cadre", "隆务镇", None) == ("632301100", "632301")
    with pytest.raises(StaffCommandError, match="cadre needs --township"):
        _scope("cadre", None, "同仁市")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env["MINSHENG_DATABASE_URL"] = database_url
    result = subprocess.run([MINSHENG, "staff", "add", "--name", "马小军", "--role", "cadre", "--township", "隆务镇"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()[-1]) >= 32


async def test_a_cadre_files_for_a_resident_who_is_told_and_sees_nothing_else(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    cadre = await add_staff(client.app, "马小军", "cadre", township=LONGWU)
    other_cadre = await add_staff(client.app, "李小红", "cadre", township=LONGWU)
    someone_elses = await file_by_sms(client, gateway, "+8613812340300", "求助 隆务镇 家里断粮了")

    resident = "+8613812340301"
    response = await client.post("/api/v1/filings", headers=bearer(cadre), json={
        "kind": "monitoring", "text": "独居老人张大爷，今年两次住院，医药费自付两万多", "phone": "13812340301",
        "consent_note": "2026-11-30 入户，张大爷口头同意代为申请，其女儿在场"})
    assert response.status == 201, await response.text()
    filed = await response.json()
    number = filed["number"]
    assert filed["kind"] == "monitoring" and filed["township"] == "隆务镇" and filed["status"] == "applied"
    assert filed["filed_for"] is True and filed["contact"] == "138****0301" and "口头同意" in filed["consent_note"]
    assert filed["events"][0]["by"] == "马小军"
    await settle(client.app)
    [told] = gateway.to(resident)
    assert number in told["text"] and "村干部马小军受您委托" in told["text"] and "代您提交" in told["text"]
    # The resident follows it by SMS like any of their own.
    assert "已申请" in await converse(client, gateway, resident, f"进度 {number}")

    # Without a phone: filed all the same, nobody to tell.
    response = await client.post("/api/v1/filings", headers=bearer(cadre), json={
        "kind": "help", "text": "五保户王奶奶房子漏雨", "consent_note": "本人同意", "urgent": True})
    assert response.status == 201
    no_phone = await response.json()
    assert no_phone["urgent"] is True and no_phone["channel"] == "web" and no_phone["aid_due_at"]

    # The cadre sees what they filed and how it moves, and nothing else.
    mine = await (await client.get("/api/v1/tickets?status=all", headers=bearer(cadre))).json()
    assert sorted(t["number"] for t in mine["tickets"]) == sorted([number, no_phone["number"]])
    assert (await client.get(f"/api/v1/tickets/{someone_elses}", headers=bearer(cadre))).status == 404
    assert (await (await client.get("/api/v1/tickets?status=all", headers=bearer(other_cadre))).json())["tickets"] == []
    assert (await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "village_review"},
                              headers=bearer(staff["longwu"]))).status == 200
    progress = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(cadre))).json()
    assert progress["status"] == "village_review"
    # They answer and move nothing, and read no 督查 figures.
    assert (await client.post(f"/api/v1/tickets/{number}/replies", json={"text": "好的"},
                              headers=bearer(cadre))).status == 403
    assert (await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "township_review"},
                              headers=bearer(cadre))).status == 403
    assert (await client.get("/api/v1/stats?county=同仁市&month=2026-11", headers=bearer(cadre))).status == 403
    # The township's caseworker sees the filing with its consent note; the resident can follow it by SMS.
    seen = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).json()
    assert seen["consent_note"].startswith("2026-11-30 入户")
    # So does the console's ticket page, beside who filed it.
    await sign_in(client, "longwu")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    loop = page[page.index('id="loop"'):].split("</dl>", 1)[0]
    assert "代为提交" in loop and "居民同意记录：2026-11-30 入户，张大爷口头同意代为申请" in loop


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "help", "text": "家里困难", "consent_note": ""}, "consent_note"),
    ({"kind": "help", "text": "家里困难", "consent_note": "同意", "phone": "0971-123"}, "phone"),
    ({"kind": "loan", "text": "家里困难", "consent_note": "同意"}, "kind"),
    ({"kind": "monitoring", "text": "家里困难", "consent_note": "同意", "urgent": True}, "urgent"),
])
async def test_a_filing_that_cannot_be_used_is_refused_and_files_nothing(
        client: TestClient, body: dict[str, Any], field: str) -> None:
    cadre = await add_staff(client.app, "马小军", "cadre", township=LONGWU)
    response = await client.post("/api/v1/filings", headers=bearer(cadre), json=body)
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["field"] == field
    assert (await (await client.get("/api/v1/tickets?status=all", headers=bearer(cadre))).json())["tickets"] == []


async def test_only_a_cadre_files_on_behalf(client: TestClient) -> None:
    staff = await standard_staff(client.app)
    response = await client.post("/api/v1/filings", headers=bearer(staff["longwu"]),
                                 json={"kind": "help", "text": "家里困难", "consent_note": "同意"})
    assert response.status == 403
