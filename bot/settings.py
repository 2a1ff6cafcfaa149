"""Settings from MINSHENG_* environment variables, validated once at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    default_locale: str = "zh_Hans"
    console_secure_cookies: bool = False

    @field_validator("redis_url", "sms_secret", "sms_gateway_url", "telegram_token", "telegram_api_server",
                     "telegram_webhook_secret", "public_url", mode="before")
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

    @field_validator("sms_gateway_url", "telegram_api_server", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

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
    def sms_max_chars(self) -> int:
        """Longest SMS reply in UCS-2 characters: 70 for one segment, 67 a part when concatenated."""
        return 70 if self.sms_max_segments == 1 else 67 * self.sms_max_segments


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
