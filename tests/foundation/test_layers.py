"""Imports go one way: the services, the console and the staff API never reach into the dialogs.

Read from the source with ``ast`` (nothing is imported), so a new import anywhere below is caught
whether or not a test happens to load that module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("bot", "handlers", "knowledge_base")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in FIRST_PARTY for p in (ROOT / package).rglob("*.py")}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: dict[str, Path], runtime_only: bool) -> set[str]:
    """First-party modules ``name`` imports; with ``runtime_only``, not those under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and is_type_checking(node):
                skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in known)
    return found


def reachable(start: str, known: dict[str, Path]) -> set[str]:
    """Every first-party module loaded when ``start`` is imported (its packages' ``__init__`` included)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo.extend(p for p in parents if p in known)
        todo.extend(imports_of(name, known[name], known, runtime_only=True))
    return seen


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_services_console_and_staff_api_never_import_the_dialogs() -> None:
    known = modules()
    layers = [m for m in known if under(m, "bot.services", "bot.console", "bot.staff_api", "bot.domain",
                                         "bot.staff_access", "bot.staff_cli", "bot.jobs",
                                         "bot.channels.telegram_staff", "bot.storage")]
    assert {"bot.services.workflow", "bot.console", "bot.staff_api", "bot.domain.tickets"} <= set(layers)
    direct = {f"{m} → {t}" for m in layers for t in imports_of(m, known[m], known, runtime_only=False)
              if under(t, "handlers")}
    assert not direct, sorted(direct)
    through = {f"{m} ⇒ {t}" for m in layers for t in reachable(m, known) if under(t, "handlers")}
    assert not through, sorted(through)


def test_the_domain_vocabulary_sits_below_the_dialogs_and_the_services() -> None:
    known = modules()
    domain = [m for m in known if under(m, "bot.domain")]
    assert {"bot.domain.tickets", "bot.domain.messages"} <= set(domain)
    above = {f"{m} ⇒ {t}" for m in domain for t in reachable(m, known)
             if not under(t, "bot.domain") and t != "bot"}
    assert not above, sorted(above)


def test_the_walk_sees_the_imports_it_is_looking_for() -> None:
    """The check above can fail: a channel adapter's import of the dialog engine is found."""
    known = modules()
    assert "handlers.engine" in imports_of("bot.channels.sms", known["bot.channels.sms"], known, runtime_only=True)
    assert "handlers.engine" in imports_of("bot.keys", known["bot.keys"], known, runtime_only=False)
    assert "handlers.engine" not in imports_of("bot.keys", known["bot.keys"], known, runtime_only=True)
    assert under("handlers.requests", "handlers") and "handlers.requests" in reachable("bot.app", known)


def test_the_terminal_chat_loads_no_channel_and_no_http_surface() -> None:
    """`minsheng chat` runs on ``bot.runtime`` alone: importing the channels (WeChat, Aliyun SMS, WeCom,
    the inbox) with ``bot.app`` was half of its start (issue 13)."""
    known = modules()
    loaded = reachable("bot.channels.terminal", known)
    assert "bot.runtime" in loaded
    other = sorted(m for m in loaded if under(m, "bot.app", "bot.api", "bot.console", "bot.staff_api", "bot.jobs")
                   or (under(m, "bot.channels") and m not in ("bot.channels", "bot.channels.terminal")))
    assert not other, other
