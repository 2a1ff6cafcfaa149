"""What the channel tests share: the platforms' sample payloads filled in, signed WeChat requests."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient

SAMPLES = Path(__file__).parent / "samples"
WECHAT_TOKEN = "wx-test-token"
WECHAT_APP_ID = "wx1234567890abcdef"
WECHAT_SECRET = "s" * 32
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ALIYUN_KEY_ID = "LTAI5tTestKeyId"
ALIYUN_SECRET = "test-aliyun-secret"
SIGN_NAME = "正安民生"
TEMPLATE = "SMS_480000001"
PUSH_TOKEN = "push-secret-0123456789"

_msg_ids = itertools.count(7_000_000_000_000_001)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def wechat_xml(name: str, **fields: str | int) -> str:
    """A documented sample with some elements' values replaced (``FromUserName="o…"``)."""
    xml = sample(name)
    for tag, value in fields.items():
        xml, count = re.subn(rf"<{tag}>.*?</{tag}>", f"<{tag}><![CDATA[{value}]]></{tag}>"
                             if not isinstance(value, int) else f"<{tag}>{value}</{tag}>", xml, flags=re.S)
        assert count == 1, f"{tag} not in {name}"
    return xml


def wechat_query(token: str = WECHAT_TOKEN, **extra: str) -> str:
    timestamp, nonce = str(int(time.time())), str(next(_msg_ids))
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra})


def next_msg_id() -> int:
    return next(_msg_ids)


_seconds = itertools.count(int(time.time()))


def next_create_time() -> int:
    """A CreateTime of its own: WeChat tells events apart only by sender, second and event."""
    return next(_seconds)


async def post_wechat(client: TestClient, xml: str, **query: str) -> Any:
    return await client.post("/wechat?" + wechat_query(**query), data=xml.encode(),
                             headers={"Content-Type": "text/xml"})


def text_xml(openid: str, text: str, msg_id: int | None = None) -> str:
    return wechat_xml("wechat_text.xml", FromUserName=openid, Content=text, MsgId=msg_id or next_msg_id(),
                      CreateTime=int(time.time()))


def smsup(phone: str, text: str, sequence_id: int) -> list[dict[str, Any]]:
    item = json.loads(sample("aliyun_smsup.json"))[0]
    item.update(phone_number=phone, content=text, sequence_id=sequence_id, dest_code="1069000012345")
    return [item]
