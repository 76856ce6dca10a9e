"""The groups of case fields the published scales read: Mirels, SINS, R.E.N.A.L. and the laboratory values.

Why a module of its own: these groups belong to the case contract (``cryoelig.case.contract.Case`` has them as
optional fields, unknown when absent) but they are long lists of listed values taken from the papers'
tables, kept apart so the case model stays readable. The points each value is worth are not here: they
are data of the published-scales pack (``rules/published-scales/scales.yaml``), checked against these
values when the pack is loaded. A total may be given instead of the components; a total that disagrees
with the components given is refused by ``cryoelig.case.contract.parse_case``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import InputError
from .grammar import shown_number
from .measures import bounded, measured
from .packterms import PackTerms
from .valuetypes import ANY_CASE, Flag, Part

BoneRegion = Literal["long_bone", "spine", "pelvis", "other"]

MirelsSite = Literal["upper_limb", "lower_limb", "peritrochanteric"]
MirelsPain = Literal["mild", "moderate", "functional"]
MirelsLesion = Literal["blastic", "mixed", "lytic"]
MirelsSize = Literal["under_one_third", "one_third_to_two_thirds", "over_two_thirds"]

SinsLocation = Literal["junctional", "mobile", "semirigid", "rigid"]
SinsPain = Literal["mechanical", "occasional", "none"]
SinsLesion = Literal["lytic", "mixed", "blastic"]
SinsAlignment = Literal["subluxation", "deformity", "normal"]
SinsCollapse = Literal["over_half", "under_half", "body_involved", "none"]
SinsPosterolateral = Literal["bilateral", "unilateral", "none"]

RenalExophytic = Literal["half_or_more", "under_half", "entirely_endophytic"]
RenalPolar = Literal["outside_polar_lines", "crosses_polar_line", "between_or_midline"]
RenalAnteriorPosterior = Literal["anterior", "posterior", "neither"]

#: 1 x10^9/L = 1,000 per microliter (1 x10^3/uL): the SI and the conventional count differ by this factor.
PER_UL_PER_10E9_L = 1000
#: Fields the contract converts into another one (like tumor.size_mm into tumor.size_cm): never a fact.
CONVERTED = {"labs.platelets_per_ul": "labs.platelets"}
#: The total fields: a total may be given instead of the components.
TOTAL_FIELDS = ("mirels.total", "sins.total", "renal.total")


class MirelsFields(Part):
    site: Annotated[MirelsSite, ANY_CASE] | None = None
    pain: Annotated[MirelsPain, ANY_CASE] | None = None
    lesion: Annotated[MirelsLesion, ANY_CASE] | None = None
    size: Annotated[MirelsSize, ANY_CASE] | None = Field(
        None, description="fraction of the bone involved on plain radiographs")
    total: measured("mirels.total") | None = bounded("mirels.total", "Mirels total when the components are not given")


class SinsFields(Part):
    location: Annotated[SinsLocation, ANY_CASE] | None = None
    pain: Annotated[SinsPain, ANY_CASE] | None = None
    lesion: Annotated[SinsLesion, ANY_CASE] | None = None
    alignment: Annotated[SinsAlignment, ANY_CASE] | None = None
    collapse: Annotated[SinsCollapse, ANY_CASE] | None = None
    posterolateral: Annotated[SinsPosterolateral, ANY_CASE] | None = None
    total: measured("sins.total") | None = bounded("sins.total", "SINS total when the components are not given")


class RenalFields(Part):
    exophytic: Annotated[RenalExophytic, ANY_CASE] | None = None
    nearness_mm: measured("renal.nearness_mm") | None = bounded(
        "renal.nearness_mm", "distance from the collecting system or renal sinus, mm")
    polar_location: Annotated[RenalPolar, ANY_CASE] | None = None
    anterior_posterior: Annotated[RenalAnteriorPosterior, ANY_CASE] | None = None
    hilar: Flag | None = Field(None, description="touches the main renal artery or vein")
    total: measured("renal.total") | None = bounded("renal.total",
                                                    "R.E.N.A.L. total when the components are not given")


class LabsFields(Part):
    inr: measured("labs.inr") | None = bounded("labs.inr", "international normalized ratio")
    platelets: measured("labs.platelets") | None = bounded("labs.platelets", "platelet count, x10^9/L (= x10^3/uL)")
    platelets_per_ul: measured("labs.platelets_per_ul") | None = bounded(
        "labs.platelets_per_ul", "platelet count per uL; converted to platelets")

    @model_validator(mode="after")
    def _per_ul_to_10e9_per_l(self) -> LabsFields:
        if self.platelets_per_ul is None:
            return self
        converted = round(self.platelets_per_ul / PER_UL_PER_10E9_L, 3)
        if self.platelets is not None and not math.isclose(self.platelets, converted, rel_tol=0, abs_tol=1e-3):
            raise PydanticCustomError(
                "platelets_conflict",
                "platelets ({g} x10^9/L) and platelets_per_ul ({u} per uL) disagree; give one of them",
                {"g": shown_number(self.platelets), "u": shown_number(self.platelets_per_ul)},
            )
        object.__setattr__(self, "platelets", converted)
        return self

    def input_note(self) -> str | None:
        """How the platelet count given per uL became the fact rules read, in the style of Case.input_notes."""
        if self.platelets_per_ul is None or self.platelets is None:
            return None
        return (f"labs.platelets {shown_number(self.platelets)} x10^9/L from platelets_per_ul "
                f"{shown_number(self.platelets_per_ul)}")


#: The groups of the case form that may give a total (mirels, sins, renal).
TOTAL_GROUPS = tuple(name.partition(".")[0] for name in TOTAL_FIELDS)


def check_totals(facts: Mapping[str, Any], file: str | None, row: int | None, pack: PackTerms) -> None:
    """A total given beside components that cannot add up to it is an error naming the total and the
    components; the points are the loaded pack's data (``PackTerms.total_problems``)."""
    if not any(name in facts for name in TOTAL_FIELDS):
        return
    problems = pack.total_problems(facts, file, row)
    if problems:
        raise InputError(problems)
