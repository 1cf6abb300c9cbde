"""The catalog's licence row: a model licence and the duties the licence policies check.

Kept apart from hangar.catalog.schema (the hardware rows) to keep each module small; it shares that module's cell types.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal, Optional

from pydantic import Field, field_validator, model_validator

from .errors import RowProblem
from .schema import PositiveFloat, PositiveInt, Row, Slug, Text


class Licence(Row):
    """A model licence and the conditions a policy must check.

    `hosted_service_restricted`: serving the model to third parties as a
    service is forbidden, needs permission, or counts as distribution with
    pass-through obligations.  `eu_multimodal_restriction`: the grant excludes
    EU-domiciled licensees for multimodal models.  `gated` is None where gating
    is a property of each repo rather than of the licence.  `display_name`: the
    name a product must display prominently once it passes `display_mau_threshold`
    monthly active users or `display_monthly_revenue_usd_threshold` of monthly
    revenue (Kimi K2's modified MIT licence); either threshold alone triggers it. A `display_mau_threshold` of 0
    asks the name in every commercial product whatever its users and revenue (MiniMax-M2.1's modified MIT).
    `guardrail_termination`: the rights end by themselves if the model's safety
    guardrails are bypassed or weakened without a substantially similar one in
    their place (NVIDIA Open Model License §2.1); an empty cell means no such term.
    `licensee_annual_revenue_cap_usd`: the licence's grants end once the licensee, with its affiliates,
    makes more than this annual revenue from any source (Stability AI Community License §III: US$1,000,000);
    a separate licence is then needed. A stack declares only its product's monthly revenue, a lower bound
    of the organisation's: past the cap it is refused, below it the duty is stated.
    """

    id: Slug
    name: Text
    commercial_use: Literal["yes", "no", "conditional"]
    mau_cap: Optional[PositiveInt] = None
    non_production_only: bool
    research_only: bool
    attribution_required: bool
    acceptable_use_policy: bool
    hosted_service_restricted: bool
    eu_multimodal_restriction: bool
    gated: Optional[bool] = None
    conditions: Text
    source: Text
    as_of: datetime.date
    verified: Text
    display_name: Optional[Text] = None
    display_mau_threshold: Optional[Annotated[int, Field(ge=0)]] = None
    display_monthly_revenue_usd_threshold: Optional[PositiveFloat] = None
    guardrail_termination: bool = False
    licensee_annual_revenue_cap_usd: Optional[PositiveFloat] = None

    @field_validator("mau_cap", "display_mau_threshold", "display_monthly_revenue_usd_threshold", "licensee_annual_revenue_cap_usd", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        """Accept 700_000_000 / 700,000,000 spellings of a user cap."""
        if isinstance(value, str):
            return value.replace("_", "").replace(",", "")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Licence":
        if self.commercial_use == "yes" and (self.research_only or self.non_production_only):
            raise RowProblem("commercial_use", "yes", "contradicts research_only/non_production_only; use 'no' or 'conditional'")
        if self.mau_cap is not None and self.commercial_use == "yes":
            raise RowProblem("commercial_use", "yes", "a licence with an MAU cap is 'conditional'")
        if self.licensee_annual_revenue_cap_usd is not None and self.commercial_use != "conditional":
            raise RowProblem("commercial_use", self.commercial_use, "a licence whose grants end past a licensee revenue is 'conditional'")
        thresholds = self.display_mau_threshold is not None or self.display_monthly_revenue_usd_threshold is not None
        if self.display_mau_threshold == 0 and self.display_monthly_revenue_usd_threshold is not None:
            raise RowProblem("display_monthly_revenue_usd_threshold", self.display_monthly_revenue_usd_threshold,
                             "a display_mau_threshold of 0 already asks the name in every commercial product; leave this empty")
        if thresholds != (self.display_name is not None):
            raise RowProblem("display_name", self.display_name, "give display_name together with the threshold(s) past which it must be displayed")
        return self

