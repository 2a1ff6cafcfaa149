"""The `minsheng` command: serve, chat, staff, kb and db."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from aiohttp import web

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("minsheng")
# Seconds serve waits for the knowledge base's background start (the e5 model: a few seconds) before
# it freezes what start-up built; a start that takes longer leaves it to the collector.
WARM_WAIT = 300.0


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"minsheng: configuration error: {exc}\n")
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging()
    if args.workers > 1:
        return supervise(settings, args)
    log.info("serve.starting", extra={"host": args.host, "port": args.port,
                                      "database": settings.database_url.split(":", 1)[0],
                                      "redis": bool(settings.redis_url), "telegram": settings.telegram_mode
                                      if settings.telegram_enabled else "off",
                                      "sms": bool(settings.sms_secret)})
    asyncio.run(serve(settings, args.host, args.port, reuse_port=args.reuse_port))
    return 0


def workers_refused(settings: Settings) -> str | None:
    """Why several processes cannot share this configuration (None: they can)."""
    if settings.database_url.startswith("sqlite"):
        return "--workers above 1 needs PostgreSQL (MINSHENG_DATABASE_URL=postgresql+asyncpg://…): " \
               "SQLite is one process's database"
    if not settings.redis_url:
        return "--workers above 1 needs Redis (MINSHENG_REDIS_URL): console sessions, login limits and " \
               "locks are otherwise kept in each process on its own"
    return None


def supervise(settings: Settings, args: argparse.Namespace) -> int:
    """``serve --workers N``: N service processes on one port (SO_REUSEPORT, the kernel spreads the
    connections), started and stopped together. SIGTERM or SIGINT is passed on to every worker,
    which drains as a single process does; a worker that dies otherwise is started again."""
    refused = workers_refused(settings)
    if refused:
        sys.stderr.write(f"minsheng: {refused}\n")
        return 2
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", args.host, "--port", str(args.port),
               "--reuse-port"]
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    workers = [subprocess.Popen(command) for _ in range(args.workers)]
    started = [time.monotonic()] * len(workers)
    log.info("serve.workers", extra={"workers": args.workers, "pids": [w.pid for w in workers]})
    while not stopping:
        for index, worker in enumerate(workers):
            # One that died soon after starting (the database down, say) is not restarted in a tight loop.
            if worker.poll() is not None and not stopping and time.monotonic() - started[index] > 5.0:
                log.error("serve.worker_died", extra={"pid": worker.pid, "code": worker.returncode})
                workers[index] = subprocess.Popen(command)
                started[index] = time.monotonic()
        time.sleep(0.2)
    for worker in workers:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait()
    log.info("serve.workers_stopped")
    return 0


async def serve(settings: Settings, host: str, port: int, reuse_port: bool = False) -> None:
    """Runs until SIGTERM or SIGINT, then drains before it exits (see ``bot.app.drain``).

    While it drains the server still answers: webhooks get 503 with Retry-After and /healthz says
    "draining", so a load balancer and the senders move on to another process, and nothing is
    refused at the TCP level that a sender might count as delivered.
    """
    from bot.app import create_app, drain

    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    # What start-up loaded (the knowledge base, the segmenter's dictionary) lives as long as the
    # process: keeping it out of the collector's sight shortens every collection, and the exit
    # after a drain from about 3.5 s to 0.2 s (measured here).
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # What the knowledge base builds in the background after that (the e5 model, the English layer's
    # table) lives as long too: out of sight once built, or the first full collection under load walks
    # it (30-50 ms with the loop stopped, during the first pass over new questions: issue 13).
    frozen = loop.create_task(_freeze_when_warm(app))
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        log.info("serve.listening", extra={"host": host, "port": port})
        await stop.wait()
        await drain(app)
    finally:
        frozen.cancel()
        await runner.cleanup()
    log.info("serve.stopped")


async def _freeze_when_warm(app: web.Application) -> None:
    from bot.keys import SERVICES

    services = app.get(SERVICES)
    if services is not None and await asyncio.to_thread(services.kb.warmed.wait, WARM_WAIT):
        gc.freeze()


def cmd_chat(args: argparse.Namespace) -> int:
    # The collector is held off while chat imports and builds its services: its passes over the
    # objects start-up makes were a tenth of the time to the first answer (issue 13). What start-up
    # made lives as long as the process and is then frozen out of its sight, as `serve` does.
    gc.disable()
    try:
        from bot.channels.terminal import chat

        settings = _settings()
        setup_logging("WARNING")
        return asyncio.run(chat(settings, args.region, args.phone, on_started=_collect_from_here))
    finally:
        gc.enable()


def _collect_from_here() -> None:
    gc.freeze()
    gc.enable()


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.storage.db import upgrade

    settings = _settings()
    setup_logging()
    upgrade(settings.database_url)
    print("database schema is up to date")
    return 0


def cmd_kb_check(_args: argparse.Namespace) -> int:
    from knowledge_base.check import main as kb_main

    return kb_main()


def cmd_kb_vectors(_args: argparse.Namespace) -> int:
    from knowledge_base.semantic import main as vectors_main

    vectors_main()
    return 0


def cmd_wechat_menu(args: argparse.Namespace) -> int:
    """Prints the 服务号's menu; with --create, creates it through the WeChat API."""
    import json

    from bot.channels.wechat import create_menu, menu_json
    from bot.state import make_store

    print(json.dumps(menu_json(), ensure_ascii=False, indent=2))
    if not args.create:
        return 0
    settings = _settings()
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        sys.stderr.write("minsheng: --create needs MINSHENG_WECHAT_APP_ID and MINSHENG_WECHAT_APP_SECRET\n")
        return 2

    async def create() -> dict[str, object]:
        store = make_store(settings.redis_url)
        try:
            return await create_menu(settings, store)
        finally:
            await store.close()

    answer = asyncio.run(create())
    print(f"WeChat answered: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")
    return 0 if answer.get("errcode") == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minsheng", description="Minsheng (民生) social-assistance assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API, SMS and Telegram channels and background jobs")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, choices=range(1, 65), metavar="N",
                       help="service processes on the port (above 1: PostgreSQL and Redis only)")
    # A worker of `--workers N`: shares the port with its siblings.
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(run=cmd_serve)

    chat = sub.add_parser("chat", help="talk to the dialog engine in the terminal, as over SMS")
    chat.add_argument("--region", help="start with this region (county or township name)")
    chat.add_argument("--phone", help="the resident's number (tickets and replies are kept for it)")
    chat.set_defaults(run=cmd_chat)

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("check", help="validate the knowledge base").set_defaults(run=cmd_kb_check)
    kb_sub.add_parser("vectors", help="embed the articles for the semantic stage (after editing them)").set_defaults(
        run=cmd_kb_vectors)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(run=cmd_db_upgrade)

    wechat = sub.add_parser("wechat", help="WeChat Official Account tools")
    wechat_sub = wechat.add_subparsers(dest="wechat_command", required=True)
    menu = wechat_sub.add_parser("menu", help="print the menu (CLICK keys ASK, SCREEN, REQUEST, STATUS)")
    menu.add_argument("--create", action="store_true", help="also create it through the WeChat API")
    menu.set_defaults(run=cmd_wechat_menu)

    add_staff_commands(sub)
    return parser


def _staff(command: str) -> Callable[[argparse.Namespace], int]:
    """A staff command, imported when it runs: its password hashing and database models are not what
    `minsheng chat` or `serve` should wait for at start (issue 13)."""

    def run(args: argparse.Namespace) -> int:
        from bot import staff_cli

        return int(getattr(staff_cli, f"cmd_{command}")(args))

    return run


def add_staff_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.domain.tickets import STAFF_ROLES

    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create an account and print its API token on the last line")
    add.add_argument("--name", required=True)
    add.add_argument("--township")
    add.add_argument("--county")
    add.add_argument("--role", choices=STAFF_ROLES, default="caseworker")
    add.set_defaults(run=_staff("add"))
    passwd = staff_sub.add_parser("passwd", help="set a console password, read from standard input; "
                                                 "ends the account's console sessions")
    passwd.add_argument("name")
    passwd.set_defaults(run=_staff("passwd"))
    disabled = staff_sub.add_parser("disable", help="disable an account: its token and console sessions stop at once")
    disabled.add_argument("name")
    disabled.set_defaults(run=_staff("disable"))
    token = staff_sub.add_parser("token", help="print a new API token on the last line; the old one stops working")
    token.add_argument("name")
    token.set_defaults(run=_staff("token"))
    enable = staff_sub.add_parser("enable", help="enable a disabled account with a new API token (printed on the "
                                                 "last line); the password is kept")
    enable.add_argument("name")
    enable.set_defaults(run=_staff("enable"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
