"""AutoThrottle that a nightly re-crawl does not slow down.

Scrapy's AutoThrottle never lowers a host's delay on an answer other than 200 (error
pages are small and would otherwise speed the crawl up). On an unchanged night almost
every answer is a ``304 Not Modified``, so the delay stayed at its start value and the
re-crawl ticked at ``AUTOTHROTTLE_START_DELAY``. A 304 is a real answer from a healthy
server: it paces the crawl like a 200. Every other rule of AutoThrottle stays, and so
does the per-host concurrency limit.
"""

from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class AnswerPacedThrottle(AutoThrottle):
    PACING_STATUSES = (200, 304)

    def _adjust_delay(self, slot, latency, response) -> None:
        if response.status not in self.PACING_STATUSES:
            return super()._adjust_delay(slot, latency, response)
        target_delay = latency / self.target_concurrency
        new_delay = max(target_delay, (slot.delay + target_delay) / 2.0)
        slot.delay = min(max(self.mindelay, new_delay), self.maxdelay)
