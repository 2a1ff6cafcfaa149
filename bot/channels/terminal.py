"""`minsheng chat`: the dialog engine in a terminal, as a resident would see it over SMS."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO
from uuid import uuid4

from aiohttp import web

from bot.domain.messages import Incoming
from bot.keys import ENGINE, SERVICES, SESSIONS, SETTINGS
from bot.runtime import database_ctx, services_ctx, state_ctx
from bot.services.outbox import OutboxWorker
from bot.settings import Settings
from handlers.engine import render_plain


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line.rstrip("\n")


# Input that has not come within this long after the terminal asks for it is being typed by a person.
TYPING_SECONDS = 0.05


async def chat(settings: Settings, region: str | None, phone: str | None,
               stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
               on_started: Callable[[], None] | None = None) -> int:
    """Reads a message a line until end of input; staff replies to this address are printed too.

    ``on_started`` is called once the services are up, before the first message is handled."""
    address = phone or "local"
    app = web.Application()
    app[SETTINGS] = settings
    # The semantic stage (the e5 model and vectors) loads while the terminal waits for someone to type,
    # not while it starts: loading it beside the knowledge base and the first answers slowed both
    # (one interpreter lock, two cores). A question that needs it before then loads it, as it would wait
    # for it anyway.
    contexts = [database_ctx(app), state_ctx(app), services_ctx(app, warm=False)]
    started: list[AsyncIterator[None]] = []
    try:
        for ctx in contexts:
            await ctx.__anext__()
            started.append(ctx)
        if on_started is not None:
            on_started()
        engine = app[ENGINE]
        semantic = app[SERVICES].kb.semantic
        interactive = stdin.isatty()

        def show(text: str) -> None:
            stdout.write(text + "\n\n")
            stdout.flush()

        async def deliver(_address: str, text: str, options: list[dict[str, Any]], _ref: str) -> None:
            show("【工作人员】" + text)

        outbox = OutboxWorker(app[SESSIONS], {"cli": deliver}, poll_seconds=1.0)
        outbox.only_address = address
        delivery = asyncio.create_task(outbox.run())

        async def say(text: str) -> None:
            replies = await engine.handle(Incoming(channel="cli", address=address, text=text,
                                                   ref=f"cli:{uuid4().hex}", max_chars=settings.sms_max_chars))
            for reply in replies:
                show(render_plain(reply))

        if region:
            await say(region)
        else:
            await say("菜单")
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            reading = asyncio.ensure_future(_read_line(stdin))
            if semantic is not None:
                await asyncio.wait([reading], timeout=TYPING_SECONDS)
                if not reading.done():
                    semantic.warm()
                    semantic = None
            line = await reading
            if line is None:
                break
            if line.strip():
                await say(line)
        # Let the background loop finish a send under way (a cancelled send would leave that staff
        # reply unprinted until its lease ran out), then print whatever else is due.
        outbox.stopping = True
        outbox.wake()
        await asyncio.gather(delivery, return_exceptions=True)
        while await outbox.deliver_due():
            pass
        return 0
    finally:
        for ctx in reversed(started):
            with contextlib.suppress(StopAsyncIteration):
                await ctx.__anext__()
