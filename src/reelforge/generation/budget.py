"""Budgets: a request's ``max_cost_usd``, ``budget.per_request_usd``, and the daily and monthly spend.

Spend comes from the usage ledger (billable attempts at their actual cost, else their estimate) plus the
estimates of this engine's attempts still in flight, so concurrent requests share the budget. A backend
whose cost is unknown (no price rule) is refused while any limit applies, unless ``budget.allow_unpriced``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..config import BudgetConfig
from ..errors import BudgetExceeded
from ..library import UsageLedger
from ..types import VideoRequest


class BudgetGuard:
    def __init__(self, budget: BudgetConfig, ledger: UsageLedger) -> None:
        self.budget = budget
        self.ledger = ledger
        self.reserved_usd = 0.0  # estimates of attempts in flight

    def _limited(self, request: VideoRequest) -> bool:
        b = self.budget
        return request.max_cost_usd is not None or any(
            v is not None for v in (b.per_request_usd, b.daily_usd, b.monthly_usd)
        )

    def priced(self, estimate: float | None, request: VideoRequest, backend: str, model: str) -> float:
        """The estimate to count; an unknown cost is refused under a limit unless ``budget.allow_unpriced``."""
        if estimate is not None:
            return estimate
        if self._limited(request) and not self.budget.allow_unpriced:
            raise BudgetExceeded(
                f"{backend} has no price for {model}: its cost is unknown, so the budget cannot be checked; "
                "set budget.allow_unpriced: true to accept unpriced requests",
                limit="budget.allow_unpriced",
            )
        return 0.0

    async def check(self, estimate: float, request: VideoRequest) -> None:
        """Raise ``BudgetExceeded`` naming the limit that ``estimate`` would pass."""
        if request.max_cost_usd is not None and estimate > request.max_cost_usd:
            raise BudgetExceeded(
                f"estimated ${estimate:.2f} is over max_cost_usd ${request.max_cost_usd:.2f}",
                limit="max_cost_usd",
                estimate_usd=estimate,
            )
        budget = self.budget
        if budget.per_request_usd is not None and estimate > budget.per_request_usd:
            raise BudgetExceeded(
                f"estimated ${estimate:.2f} is over the per-request budget "
                f"${budget.per_request_usd:.2f} (budget.per_request_usd)",
                limit="budget.per_request_usd",
                estimate_usd=estimate,
            )
        if estimate <= 0:
            return
        now = datetime.now(UTC)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for key, limit, since in (
            ("budget.daily_usd", budget.daily_usd, day),
            ("budget.monthly_usd", budget.monthly_usd, day.replace(day=1)),
        ):
            if limit is None:
                continue
            spent = await self.ledger.spent_usd(since) + self.reserved_usd
            if spent + estimate > limit:
                raise BudgetExceeded(
                    f"estimated ${estimate:.2f} with ${spent:.2f} already spent is over {key} ${limit:.2f}",
                    limit=key,
                    estimate_usd=estimate,
                )


__all__ = ["BudgetGuard"]
