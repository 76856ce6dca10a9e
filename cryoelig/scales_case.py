"""The case fields the published scales read: a proposed addition to the case contract (issue 12).

Why a separate module: phase 1 builds the scales beside the core while others edit ``case.py``; phase 2
moves these models into ``Case`` (see /work/notes/issue-12-design.md). Until then a case file that carries
scale fields is split (``split_case_data``) into the part ``case.parse_case`` knows and the part validated
here. Every field is optional and unknown when absent; a total may be given instead of its components,
and a total that disagrees with the components given is an error naming the fields.
"""

from __future__ import annotations

import functools
import math
from copy import deepcopy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .case import Count, Number, problems_from_validation
from .errors import InputError, Problem

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


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TumorScaleFields(_Part):
    bone_region: BoneRegion | None = Field(
        None, description="bone: where in the skeleton (Mirels is for long bones, SINS for the spine)")


class SymptomsScaleFields(_Part):
    worst_pain_last_day: Count | None = Field(None, ge=0, le=10,
                                         description="worst pain in the last 24 hours, 0-10 numeric rating")


class MirelsFields(_Part):
    site: MirelsSite | None = None
    pain: MirelsPain | None = None
    lesion: MirelsLesion | None = None
    size: MirelsSize | None = Field(None, description="fraction of the bone involved on plain radiographs")
    total: Count | None = Field(None, ge=4, le=12, description="Mirels total when the components are not given")


class SinsFields(_Part):
    location: SinsLocation | None = None
    pain: SinsPain | None = None
    lesion: SinsLesion | None = None
    alignment: SinsAlignment | None = None
    collapse: SinsCollapse | None = None
    posterolateral: SinsPosterolateral | None = None
    total: Count | None = Field(None, ge=0, le=18, description="SINS total when the components are not given")


class RenalFields(_Part):
    exophytic: RenalExophytic | None = None
    nearness_mm: Number | None = Field(None, ge=0, le=200,
                                       description="distance from the collecting system or renal sinus, mm")
    polar_location: RenalPolar | None = None
    anterior_posterior: RenalAnteriorPosterior | None = None
    hilar: bool | None = Field(None, description="touches the main renal artery or vein")
    total: Count | None = Field(None, ge=4, le=12,
                                description="R.E.N.A.L. total when the components are not given")


class LabsFields(_Part):
    inr: Number | None = Field(None, ge=0.5, le=20, description="international normalized ratio")
    platelets: Number | None = Field(None, ge=0, le=5000, description="platelet count, x10^9/L (= x10^3/uL)")
    platelets_per_ul: Number | None = Field(None, ge=0, le=5_000_000,
                                            description="platelet count per uL; converted to platelets")

    @model_validator(mode="after")
    def _per_ul_to_10e9_per_l(self) -> LabsFields:
        if self.platelets_per_ul is None:
            return self
        converted = round(self.platelets_per_ul / PER_UL_PER_10E9_L, 3)
        if self.platelets is not None and not math.isclose(self.platelets, converted, rel_tol=0, abs_tol=1e-3):
            raise PydanticCustomError(
                "platelets_conflict",
                "platelets ({g} x10^9/L) and platelets_per_ul ({u} per uL) disagree; give one of them",
                {"g": f"{self.platelets:g}", "u": f"{self.platelets_per_ul:g}"},
            )
        object.__setattr__(self, "platelets", converted)
        return self


class ScaleFields(BaseModel):
    """The scale part of one case. ``ecog`` stays in ``Case``; everything else here is new."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig case: published-scale fields")

    tumor: TumorScaleFields | None = None
    symptoms: SymptomsScaleFields | None = None
    kps: Count | None = Field(None, ge=10, le=100, description="Karnofsky performance status, 10-100 by 10")
    mirels: MirelsFields | None = None
    sins: SinsFields | None = None
    renal: RenalFields | None = None
    labs: LabsFields | None = None

    @field_validator("kps")
    @classmethod
    def _kps_steps_of_ten(cls, value: int | None) -> int | None:
        if value is not None and value % 10:
            raise PydanticCustomError("kps_step", "Karnofsky status goes in steps of 10 (10, 20, ... 100)")
        return value

    def facts(self) -> dict[str, Any]:
        """The given scale fields as dotted field -> value (platelets in x10^9/L); absent means unknown."""
        out: dict[str, Any] = {}
        if self.kps is not None:
            out["kps"] = self.kps
        for part in ("tumor", "symptoms", "mirels", "sins", "renal", "labs"):
            model = getattr(self, part)
            if model is None:
                continue
            for name, value in model:
                if value is not None and name != "platelets_per_ul":
                    out[f"{part}.{name}"] = value
        return out

    def input_notes(self) -> list[str]:
        """How given values became facts (the platelet unit), in the style of ``Case.input_notes``."""
        if self.labs is not None and self.labs.platelets_per_ul is not None:
            return [f"labs.platelets {self.labs.platelets:g} x10^9/L from platelets_per_ul "
                    f"{self.labs.platelets_per_ul:g}"]
        return []


#: Where the scale fields sit in the nested case form: top-level groups, and fields added to existing groups.
TOP_LEVEL = ("kps", "mirels", "sins", "renal", "labs")
NESTED = {"tumor": ("bone_region",), "symptoms": ("worst_pain_last_day",)}


def split_case_data(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the part ``case.parse_case`` reads, the scale part). Phase 1 only: phase 2 adds the fields to Case."""
    base = deepcopy(data)
    scale: dict[str, Any] = {}
    for key in TOP_LEVEL:
        if key in base:
            scale[key] = base.pop(key)
    for group, names in NESTED.items():
        part = base.get(group)
        if isinstance(part, dict):
            moved = {name: part.pop(name) for name in names if name in part}
            if moved:
                scale[group] = moved
            if not part:
                base.pop(group)
    return base, scale


def parse_scale_fields(data: Any, file: str | None = None, row: int | None = None,
                       scales: Any = None) -> ScaleFields:
    """Validate the scale part of a case, then check each given total against its given components.

    ``scales`` is the list of ``scales.Scale`` to check against (default: the shipped published-scales pack).
    Raises InputError naming the file, row and field, in the tool's own words.
    """
    if not isinstance(data, dict):
        raise InputError([Problem("the scale fields are a mapping of fields (name: value)", file=file, row=row)])
    try:
        fields = ScaleFields.model_validate(data)
    except ValidationError as error:
        raise InputError(problems_from_validation(error, file, row)) from None
    if scales is None:
        from .scales_pack import load_scales_pack

        scales = load_scales_pack().scales
    from .scales import consistency_problems

    problems = consistency_problems(scales, fields.facts(), file=file, row=row)
    if problems:
        raise InputError(problems)
    return fields


@functools.cache
def scale_case_fields() -> dict[str, dict[str, Any]]:
    """Dotted field -> {'type', 'values'} for the scale fields, in the form ``case.case_fields`` uses."""
    from typing import get_args

    def describe(annotation: Any) -> dict[str, Any]:
        while True:
            if getattr(annotation, "__metadata__", None) is not None:
                annotation = get_args(annotation)[0]
                continue
            args = get_args(annotation)
            if type(None) in args:
                annotation = next(a for a in args if a is not type(None))
                continue
            break
        if annotation is bool:
            return {"type": "bool", "values": [True, False]}
        if getattr(annotation, "__origin__", None) is Literal:
            return {"type": "enum", "values": list(get_args(annotation))}
        return {"type": "number", "values": None}

    out: dict[str, dict[str, Any]] = {}
    for name, info in ScaleFields.model_fields.items():
        sub = [a for a in get_args(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if sub:
            for sub_name, sub_info in sub[0].model_fields.items():
                if sub_name != "platelets_per_ul":
                    out[f"{name}.{sub_name}"] = describe(sub_info.annotation)
        else:
            out[name] = describe(info.annotation)
    return out
