"""Staff accounts through `minsheng staff …`: a new token kills the old one; disable and a password change
end every console session at once, on the next request, whichever process serves it."""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.cli import main
from bot.settings import Settings
from tests.conftest import TEST_REDIS_URL
from tests.fakes import FakeBotApi, FakeGateway
from tests.foundation.test_processes import MINSHENG, service_env
from tests.tickets.support import (
    PASSWORD,
    bearer,
    bot_message,
    file_by_sms,
    group_button,
    settle,
    standard_staff,
    ticket_row,
)
from tests.tickets.test_console import csrf_of, sign_in
from tests.tickets.test_telegram_staff import CASEWORKER_TG, GROUP, deliver, link_group_and_caseworker

NEW_PASSWORD = "a different long password"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        database_url: str) -> Callable[..., Any]:
    """`minsheng ARGS` against the test database: (exit code, last line of stdout, stderr)."""
    monkeypatch.setenv("MINSHENG_DATABASE_URL", database_url)

    async def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        # The command runs its own event loop, as from a shell: give it a thread of its own.
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        return code, lines[-1] if lines else "", err
    return run


async def queue_status(client: TestClient, token: str) -> int:
    return (await client.get("/api/v1/tickets", headers=bearer(token))).status


async def test_staff_token_prints_a_new_token_and_the_old_one_is_refused(client: TestClient,
                                                                       cli: Callable[..., Any]) -> None:
    code, old, _ = await cli("staff", "add", "--name", "longwu", "--township", "隆务镇")
    assert code == 0 and await queue_status(client, old) == 200
    code, new, _ = await cli("staff", "token", "longwu")
    assert code == 0 and new != old
    assert await queue_status(client, old) == 401
    assert await queue_status(client, new) == 200
    code, _, err = await cli("staff", "token", "nobody")
    assert code == 2 and "no staff account named 'nobody'" in err


async def test_disable_ends_the_token_and_the_console_session_at_once(client: TestClient, gateway: FakeGateway,
                                                                     cli: Callable[..., Any],
                                                                     database_url: str) -> None:
    _, token, _ = await cli("staff", "add", "--name", "longwu", "--township", "隆务镇")
    assert (await cli("staff", "passwd", "longwu", stdin=PASSWORD + "\n"))[0] == 0
    number = await file_by_sms(client, gateway, "+8613812340090", "求助 隆务镇 家里没有收入")
    page = await sign_in(client, "longwu")

    # From a shell, as an administrator would: a separate process, while this one keeps serving.
    result = await asyncio.to_thread(subprocess.run, [MINSHENG, "staff", "disable", "longwu"], capture_output=True,
                                     text=True, timeout=120, env=service_env(database_url))
    assert result.returncode == 0, result.stderr

    assert await queue_status(client, token) == 401
    assert "工作人员登录" in await (await client.get("/console/")).text()
    response = await client.post(f"/console/tickets/{number}/reply",
                                 data={"text": "已停用的账号写的", "csrf": csrf_of(page)})
    assert response.status == 401 and "请先登录" in await response.text()
    assert [e.type for e in (await ticket_row(client.app, number)).events] == ["filed"]
    # Nor can the account sign in again, with the right password.
    login = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                         "csrf": csrf_of(login)})
    assert response.status == 401
    code, _, err = await cli("staff", "token", "longwu")
    assert code == 2 and "staff enable longwu" in err

    code, fresh, _ = await cli("staff", "enable", "longwu")
    assert code == 0 and fresh != token
    assert await queue_status(client, token) == 401 and await queue_status(client, fresh) == 200
    await sign_in(client, "longwu")


async def test_a_password_change_signs_out_the_consoles_signed_in_with_the_old_one(
        client: TestClient, cli: Callable[..., Any]) -> None:
    await cli("staff", "add", "--name", "longwu", "--township", "隆务镇")
    await cli("staff", "passwd", "longwu", stdin=PASSWORD + "\n")
    await sign_in(client, "longwu")
    assert "退出登录" in await (await client.get("/console/")).text()

    code, _, _ = await cli("staff", "passwd", "longwu", stdin=NEW_PASSWORD + "\n")
    assert code == 0
    assert "工作人员登录" in await (await client.get("/console/")).text()
    login = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                         "csrf": csrf_of(login)})
    assert response.status == 401
    await sign_in(client, "longwu", NEW_PASSWORD)


async def test_a_disabled_caseworker_changes_nothing_from_telegram(tg_client: TestClient, botapi: FakeBotApi,
                                                                   gateway: FakeGateway,
                                                                   cli: Callable[..., Any]) -> None:
    staff = await standard_staff(tg_client.app)
    await link_group_and_caseworker(tg_client, botapi, staff)
    number = await file_by_sms(tg_client, gateway, "+8613812340091", "求助 隆务镇 需要帮助")
    await settle(tg_client.app)
    [post] = [m for m in botapi.sent(GROUP) if number in m["text"]]
    await cli("staff", "disable", "longwu")
    await deliver(tg_client, group_button(GROUP, CASEWORKER_TG, f"tk:accept:{number}",
                                          bot_message(GROUP, 1, post["text"])))
    assert (await ticket_row(tg_client.app, number)).status == "pending"
    alerts = [f for m, f in botapi.calls if m == "answerCallbackQuery" and f.get("show_alert")]
    assert alerts and "/link" in alerts[-1]["text"]


async def test_a_session_ends_in_every_process_that_shares_the_state(aiohttp_client: Any, make_settings:
                                                                    Callable[..., Settings],
                                                                    cli: Callable[..., Any]) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("needs MINSHENG_TEST_REDIS_URL: in-process state is one process's own")
    first: TestClient = await aiohttp_client(create_app(make_settings()))
    second = TestClient(TestServer(create_app(make_settings())))
    await second.start_server()
    try:
        await cli("staff", "add", "--name", "longwu", "--township", "隆务镇")
        await cli("staff", "passwd", "longwu", stdin=PASSWORD + "\n")
        await sign_in(first, "longwu")
        cookie = first.session.cookie_jar.filter_cookies(first.make_url("/console/"))["minsheng_console"].value
        second.session.cookie_jar.update_cookies({"minsheng_console": cookie}, second.make_url("/console/"))
        assert "退出登录" in await (await second.get("/console/")).text()
        await cli("staff", "disable", "longwu")
        for process in (first, second):
            assert "工作人员登录" in await (await process.get("/console/")).text()
    finally:
        await second.close()
