"""The jobs that close the loop: check-ins due, 回访 due, retention. Every process runs them; each
piece of work is claimed in the database (see the services), so nothing is sent or purged twice."""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs import every
from bot.services.checkins import CheckIns
from bot.services.followups import FollowUps
from bot.services.privacy import Retention


@dataclass
class LoopJobs:
    checkins: CheckIns
    followups: FollowUps
    retention: Retention
    interval: float = 300.0

    async def run(self) -> None:
        await every(self.interval, self.run_once, "loop_jobs.cycle_failed")

    async def run_once(self) -> dict[str, int]:
        done = {"checkins": await self.checkins.send_due(), "followups": await self.followups.send_due()}
        purged = await self.retention.run_once()
        done.update({f"purged_{k}": v for k, v in purged.items()})
        return done
