"""``POST /api/v1/screen``: eligibility self-screening, exactly as the public contract shapes it."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.api import resolve_region
from bot.errors import ApiError, parse, read_json
from bot.keys import SERVICES
from knowledge_base.jurisdictions import Jurisdiction, Jurisdictions
from knowledge_base.screening import Household, Member, Screening

routes = web.RouteTableDef()

# Types are strict: "three" is not a household size and "yes" is not true; a wrong type names its field.
Money = Field(default=0, strict=True, ge=0, le=1e10, allow_inf_nan=False)
Flag = Field(default=False, strict=True)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    age: int | None = Field(default=None, strict=True, ge=0, le=130)
    labor: Literal["full", "partial", "none"] = "full"
    disability_grade: int | None = Field(default=None, strict=True, ge=1, le=4)
    serious_illness: bool = Flag
    orphan: bool = Flag
    school: Literal["preschool", "primary", "junior", "senior", "vocational", "college", "postgraduate"] | None = None
    boarding: bool = Flag


class HouseholdIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    size: int = Field(strict=True, ge=1, le=50)
    annual_income: float = Field(strict=True, ge=0, le=1e10, allow_inf_nan=False)
    exempt_income: float | None = Money
    employment_costs: float | None = Money
    rigid_expenses: float | None = Money
    poverty_status: Literal["none", "lifted", "registered"] = "none"
    income_drop: bool = Flag
    expense_surge: bool = Flag
    emergency: bool = Flag
    unsafe_housing: bool = Flag
    relocated: bool = Flag


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    region: str = Field(min_length=1, max_length=40, strict=True)
    residence: Literal["rural", "urban"] = "rural"
    household: HouseholdIn
    members: list[MemberIn] = Field(default_factory=list, max_length=50)
    supporters: bool = Field(default=True, strict=True)


def household_of(body: ScreenRequest) -> Household:
    """The engine's household from a validated request; checks that need two fields at once name the first."""
    h = body.household
    if len(body.members) > h.size:
        raise ApiError(422, "invalid", f"members: {len(body.members)} members described for a household of "
                                       f"{h.size}", "members")
    exempt = h.exempt_income or 0
    if exempt > h.annual_income:
        raise ApiError(422, "invalid", "household.exempt_income: part of annual_income, so not more than it",
                       "household.exempt_income")
    return Household(
        size=h.size, annual_income=h.annual_income, residence=body.residence, exempt_income=exempt,
        employment_costs=h.employment_costs or 0, rigid_expenses=h.rigid_expenses or 0,
        poverty_status=h.poverty_status, income_drop=h.income_drop, expense_surge=h.expense_surge,
        emergency=h.emergency, unsafe_housing=h.unsafe_housing, relocated=h.relocated, supporters=body.supporters,
        members=tuple(Member(**m.model_dump()) for m in body.members))


def region_json(places: Jurisdictions, place: Jurisdiction, screening: Screening) -> dict[str, object]:
    county = places.county_of(place.code)
    return {"code": place.code, "name": place.name, "label": screening.region_name, "level": place.level,
            "county": {"code": county.code, "name": county.name} if county else None}


def screening_json(places: Jurisdictions, place: Jurisdiction, screening: Screening, on: str) -> dict[str, object]:
    """The contract's response: region, one RESULT per program in order, and the disclaimer."""
    return {"region": region_json(places, place, screening), "date": on,
            "results": [r.to_json() for r in screening.results], "disclaimer": screening.disclaimer}


@routes.post("/api/v1/screen")
async def screen(request: web.Request) -> web.Response:
    body = parse(ScreenRequest, await read_json(request))
    services = request.app[SERVICES]
    place = resolve_region(services.places, body.region)
    household = household_of(body)
    on = services.today()
    screening = services.screening.screen(household, place.code, on)
    return web.json_response(screening_json(services.places, place, screening, on.isoformat()))
