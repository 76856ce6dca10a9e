"""Every code the FHIR reader understands, kept as data, with where each was looked up.

Why data: the terminology is reviewed as a table, not as code. ``codes.csv`` (shipped with the
package) holds the curated rows of SNOMED CT (cancer disorders, body structures with laterality,
qualifiers, procedures), LOINC, UCUM, RxNorm, NCIt, CPT and WHO ICD-10, each with its source;
ICD-10-CM is read by its hierarchy (``icd10cm.py``). A code in neither is never guessed at: the
reader leaves the field unknown (it shows as missing information) and names the code in its
provenance. ``docs/fhir-mapping.md`` prints the table; a test keeps the two identical.

A row: system, code, display, role (where the reader looks for it), meaning (what it gives the
case: ``site=kidney kind=primary``), source.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from . import icd10cm

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
CPT = "http://www.ama-assn.org/go/cpt"
#: The code systems a row names by a short word, and the names they are shown by.
SYSTEMS = MappingProxyType({"snomed": SNOMED, "loinc": LOINC, "ucum": UCUM, "icd10cm": ICD10CM, "icd10": ICD10,
                            "rxnorm": RXNORM, "ncit": NCIT, "cpt": CPT})
SYSTEM_NAMES = MappingProxyType({SNOMED: "SNOMED CT", LOINC: "LOINC", UCUM: "UCUM", ICD10CM: "ICD-10-CM",
                                 ICD10: "ICD-10", RXNORM: "RxNorm", NCIT: "NCIt", CPT: "CPT"})

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_PRIMARY = MCODE + "mcode-primary-cancer-condition"
PROFILE_SECONDARY = MCODE + "mcode-secondary-cancer-condition"
PROFILE_SURGERY = MCODE + "mcode-cancer-related-surgical-procedure"
PROFILE_RADIOTHERAPY = MCODE + "mcode-radiotherapy-course-summary"
EXT_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
EXT_LATERALITY = MCODE + "mcode-laterality-qualifier"
EXT_RELATED_PRIMARY = "http://hl7.org/fhir/StructureDefinition/condition-related"
EXT_TERMINATION_REASON = MCODE + "mcode-treatment-termination-reason"
SOURCE_ICD10CM = "ICD-10-CM (CDC, April 2026 release) by its hierarchy, through simple-icd-10-cm 1.5.0"
ROLES = ("body_site", "qualifier", "condition", "histology", "observation", "component", "unit", "procedure",
         "medication", "reason")


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str
    role: str
    meaning: tuple[tuple[str, str], ...]  # e.g. (("site", "lung"), ("primary_cancer", "lung"))
    source: str

    def get(self, key: str) -> str | None:
        return dict(self.meaning).get(key)


@functools.cache
def table() -> tuple[Code, ...]:
    """The curated rows of ``codes.csv``, in the file's order."""
    text = resources.files(__package__).joinpath("codes.csv").read_text(encoding="utf-8")
    return tuple(Code(SYSTEMS[row["system"]], row["code"], row["display"], row["role"],
                      tuple(tuple(pair.split("=", 1)) for pair in row["meaning"].split()), row["source"])
                 for row in csv.DictReader(io.StringIO(text)))


@functools.cache
def _by_key() -> dict[tuple[str, str, str], Code]:
    return {(c.role, c.system, c.code): c for c in table()}


def lookup(role: str, system: str | None, code: str | None) -> Code | None:
    """The entry for a coding in a role, or None (never a guess: unknown codes stay unknown)."""
    if not system or not code:
        return None
    if system == ICD10CM:
        return _icd10cm(role, code)
    return _by_key().get((role, system, code))


def _icd10cm(role: str, code: str) -> Code | None:
    if role != "condition":
        return None
    meaning = icd10cm.place(code)
    if meaning is None:
        return None
    return Code(ICD10CM, icd10cm.dotted(code) or code, "", role, tuple(meaning.items()), SOURCE_ICD10CM)


def rows() -> list[tuple[str, str, str, str, str, str]]:
    """The curated table as documentation rows: system, code, display, role, meaning, source."""
    return [(c.system, c.code, c.display, c.role, " ".join(f"{k}={v}" for k, v in c.meaning), c.source)
            for c in table()]
