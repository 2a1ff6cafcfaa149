"""Logs carry what an operator needs and nothing of a resident's."""

from __future__ import annotations

import json
import logging

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
