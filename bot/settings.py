"""Settings from MINSHENG_* environment variables, validated once at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Longest SMS the Aliyun platform sends (signature included), as one concatenated message.
ALIYUN_MAX_CHARS = 500


class SettingsError(Exception):
    """A configuration value is wrong; the message names the variable and says why."""


class Settings(BaseSettings):
    """Everything an operator can set; names and defaults are fixed by the interface contract."""

    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/minsheng.db"
    redis_url: str | None = None
    sms_secret: str | None = None
    sms_gateway_url: str | None = None
    sms_max_segments: int = Field(default=3, ge=1, le=10)
    telegram_token: str | None = None
    telegram_mode: Literal["webhook", "polling", "off"] | None = None
    telegram_api_server: str | None = None
    telegram_webhook_secret: str | None = None
    public_url: str | None = None
    sms_provider: Literal["generic", "aliyun"] = "generic"
    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: str | None = None
    aliyun_sms_sign_name: str | None = None
    aliyun_sms_template_code: str | None = None
    aliyun_sms_endpoint: str = "https://dysmsapi.aliyuncs.com"
    wechat_token: str | None = None
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_aes_key: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"

    # Beyond the contract (documented in docs/operations.md).
    # The secret the SMS platform's push URLs carry (?token=…): its pushes are not signed.
    aliyun_sms_push_token: str | None = None
    # Characters of the approved template around ${content} (e.g. "您好，" is 3): they count too.
    aliyun_sms_template_chars: int = Field(default=0, ge=0, le=200)
    wechat_path: str = "/wechat"
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # Messages a WeCom group robot takes a minute (the platform's limit is 20).
    wecom_per_minute: int = Field(default=20, ge=1, le=20)

    # Internals an operator may tune; not part of the public contract.
    max_body_bytes: int = 256 * 1024
    outbox_poll_seconds: float = 1.0
    outbox_max_backoff_seconds: float = 60.0
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    # A message still undelivered this long after it was written is marked failed and, when it is
    # about a ticket, shown there: a day covers any gateway or Telegram outage seen so far, and
    # staff must learn well within the 24-hour urgent aid deadline's next day that a resident
    # was not told.
    outbox_give_up_seconds: float = Field(default=24 * 3600.0, gt=0)
    # Stored messages processed at once per process (a burst waits in the inbox, not in memory),
    # taken this many at a time, polled this often when nothing woke the processor.
    inbox_concurrency: int = Field(default=8, ge=1, le=256)
    inbox_batch: int = Field(default=50, ge=1, le=1000)
    inbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Longer than any message takes (milliseconds, seconds when the database struggles); after a
    # kill -9 it is how long the dead process's messages wait for another. The outbox's lease must
    # outlast a send's own timeout (10–15 s), or a slow send could be sent again alongside.
    inbox_lease_seconds: float = Field(default=20.0, gt=0)
    inbox_max_attempts: int = Field(default=5, ge=1)
    inbox_retention_days: int = Field(default=30, ge=1)
    # On SIGTERM: how long work under way may take to finish before it is given back.
    drain_seconds: float = Field(default=20.0, ge=0)
    conversation_ttl_seconds: int = 30 * 60
    escalation_interval_seconds: float = 60.0
    # Closing the loop (issue 15): 回访 this long after 已办结; how often the check-in, 回访 and
    # retention jobs look for work; how long a closed ticket keeps its personal fields (README says why 180).
    followup_hours: float = Field(default=72.0, gt=0)
    loop_interval_seconds: float = Field(default=300.0, gt=0)
    retention_days: int = Field(default=180, ge=1)
    default_locale: str = "zh_Hans"
    console_secure_cookies: bool = False

    @field_validator("redis_url", "sms_secret", "sms_gateway_url", "telegram_token", "telegram_api_server",
                     "telegram_webhook_secret", "public_url", "aliyun_access_key_id", "aliyun_access_key_secret",
                     "aliyun_sms_sign_name", "aliyun_sms_template_code", "aliyun_sms_push_token", "wechat_token",
                     "wechat_app_id", "wechat_app_secret", "wechat_aes_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be an async SQLAlchemy URL: sqlite+aiosqlite:///… or postgresql+asyncpg://…")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("sms_gateway_url", "telegram_api_server", "public_url", "aliyun_sms_endpoint", "wechat_api_base",
                     "wecom_api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("wechat_aes_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) != 43:
            raise ValueError("must be the 43-character EncodingAESKey from the 服务号's server settings")
        return value.strip() if value else value

    @field_validator("wechat_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or any(ch in value for ch in "?#{} "):
            raise ValueError("must be a plain path starting with /")
        return value

    @model_validator(mode="after")
    def _aliyun_consistent(self) -> Settings:
        if self.sms_provider == "aliyun":
            missing = [name for name in ("aliyun_access_key_id", "aliyun_access_key_secret", "aliyun_sms_sign_name",
                                         "aliyun_sms_template_code") if not getattr(self, name)]
            if missing:
                raise ValueError("MINSHENG_SMS_PROVIDER=aliyun needs " + ", ".join(
                    "MINSHENG_" + name.upper() for name in missing))
            if self.sms_max_chars + self.sms_signature_chars > ALIYUN_MAX_CHARS:
                raise ValueError(f"MINSHENG_SMS_MAX_SEGMENTS is too large for the platform: a message with its "
                                 f"signature may have at most {ALIYUN_MAX_CHARS} characters")
        if self.wechat_aes_key and not self.wechat_app_id:
            raise ValueError("MINSHENG_WECHAT_AES_KEY (safe mode) needs MINSHENG_WECHAT_APP_ID")
        return self

    @model_validator(mode="after")
    def _telegram_consistent(self) -> Settings:
        if self.telegram_mode is None:
            self.telegram_mode = "webhook" if self.public_url else "polling"
        if self.telegram_token and self.telegram_mode == "webhook":
            if not self.public_url:
                raise ValueError("MINSHENG_TELEGRAM_MODE=webhook needs MINSHENG_PUBLIC_URL")
            if not self.telegram_webhook_secret:
                raise ValueError("MINSHENG_TELEGRAM_MODE=webhook needs MINSHENG_TELEGRAM_WEBHOOK_SECRET")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token) and self.telegram_mode != "off"

    @property
    def wechat_enabled(self) -> bool:
        return bool(self.wechat_token)

    @property
    def sms_signature_chars(self) -> int:
        """Characters the platform adds to every SMS, which count in its segments (Aliyun only): the
        【签名】 and the template's own text around the variable."""
        if self.sms_provider != "aliyun" or not self.aliyun_sms_sign_name:
            return 0
        return len(self.aliyun_sms_sign_name) + 2 + self.aliyun_sms_template_chars

    @property
    def sms_max_chars(self) -> int:
        """Longest SMS reply in UCS-2 characters: 70 for one segment, 67 a part when concatenated,
        less the platform's signature where it adds one."""
        return (70 if self.sms_max_segments == 1 else 67 * self.sms_max_segments) - self.sms_signature_chars


def load_settings(**overrides: object) -> Settings:
    """Reads the environment (and overrides); a wrong value raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "MINSHENG_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("; ".join(problems)) from None
