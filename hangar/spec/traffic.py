"""A deployment's declared traffic and latency objective: what `hangar.sizing.capacity` plans for."""

from __future__ import annotations

from pydantic import Field, model_validator

from hangar.spec.base import SpecModel, problem, raise_problems

SECONDS_PER_DAY = 86_400


class Traffic(SpecModel):
    """Requests the deployment must carry: a peak rate, or users x requests per user per day x a peak factor."""

    peak_requests_per_second: float | None = Field(
        None, gt=0, le=1_000_000, description="Requests per second at the busiest moment; give this or monthly_active_users."
    )
    monthly_active_users: int | None = Field(None, ge=1, le=10_000_000_000, description="Users in a month; with requests_per_user_per_day and peak_factor.")
    requests_per_user_per_day: float | None = Field(
        None, gt=0, le=100_000, description="Mean requests per monthly active user per day (the daily total divided by the monthly users)."
    )
    peak_factor: float | None = Field(
        None, ge=1, le=1000, description="Peak rate / average rate. Required with monthly_active_users; with a peak rate it gives the average."
    )
    prompt_tokens: int = Field(ge=1, le=10_485_760, description="Mean prompt length of a request, in tokens.")
    output_tokens: int = Field(ge=1, le=10_485_760, description="Mean output length of a request, in tokens.")

    @model_validator(mode="after")
    def _one_form(self) -> Traffic:
        problems = []
        users_form = (self.monthly_active_users, self.requests_per_user_per_day)
        if self.peak_requests_per_second is not None and any(v is not None for v in users_form):
            problems.append(problem("peak_requests_per_second", "give either peak_requests_per_second or monthly_active_users with requests_per_user_per_day, not both", self.peak_requests_per_second))
        elif self.peak_requests_per_second is None:
            for key, value in (("monthly_active_users", self.monthly_active_users), ("requests_per_user_per_day", self.requests_per_user_per_day), ("peak_factor", self.peak_factor)):
                if value is None:
                    problems.append(problem(key, "is required when peak_requests_per_second is not given", None))
        raise_problems(problems)
        return self

    @property
    def average_requests_per_second(self) -> float | None:
        """Mean requests/s over a month; None when only a peak without a peak factor is given."""
        if self.monthly_active_users is not None and self.requests_per_user_per_day is not None:
            return self.monthly_active_users * self.requests_per_user_per_day / SECONDS_PER_DAY
        if self.peak_requests_per_second is not None and self.peak_factor is not None:
            return self.peak_requests_per_second / self.peak_factor
        return None

    @property
    def peak_rps(self) -> float:
        """Requests/s at peak, given or derived."""
        if self.peak_requests_per_second is not None:
            return self.peak_requests_per_second
        average = self.average_requests_per_second
        assert average is not None and self.peak_factor is not None  # the validator requires the users form
        return average * self.peak_factor


class Slo(SpecModel):
    """Latency objective at p95. Planning reads the ESTIMATE as the p95 (queueing is not modelled)."""

    ttft_ms: float | None = Field(None, gt=0, le=600_000, description="p95 time to first token, milliseconds.")
    tpot_ms: float | None = Field(None, gt=0, le=60_000, description="p95 time per output token after the first, milliseconds.")
