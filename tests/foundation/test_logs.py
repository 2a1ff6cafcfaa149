"""Logs carry what an operator needs and nothing of a resident's."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.logs import JsonFormatter, mask_phone


def test_an_exception_is_logged_by_type_and_place_without_its_message() -> None:
    try:
        raise ValueError("INSERT … parameters: ('+8613812345678', '家里老人卧病在床')")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "sms.process_failed", (),
                                                   exc_info=__import__("sys").exc_info(), extra={"id": 7})
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "sms.process_failed" and line["id"] == 7
    assert line["error"] == "ValueError" and line["where"].startswith("test_logs.py:")
    assert "13812345678" not in json.dumps(line, ensure_ascii=False)
    assert "卧病" not in json.dumps(line, ensure_ascii=False)


def test_phone_numbers_are_masked_for_display() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("7001") == "****"


def test_warnings_and_uncaught_errors_are_json_lines_without_their_message(tmp_path: Path) -> None:
    """A library's warning (aiogram's quotes a whole unknown update) must not reach stderr as it is."""
    script = (
        "import warnings\n"
        "from bot.logs import setup_logging\n"
        "setup_logging()\n"
        "warnings.warn('Update: {\"text\": \"家里老人卧病在床\", \"phone\": \"+8613812345678\"}', RuntimeWarning)\n"
        "raise ValueError('+8613812345678 家里老人卧病在床')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["python.warning", "python.uncaught"]
    assert lines[0]["category"] == "RuntimeWarning" and lines[1]["error"] == "ValueError"
    assert "13812345678" not in result.stderr and "卧病" not in result.stderr
