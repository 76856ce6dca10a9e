"""Build small rule packs in a temporary folder for tests of the loader and the engine."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "cryosurgery-metastatic-bone-tumors"

PACK_YAML = f"""\
name: test-pack
version: 0.0.1
sources:
  - id: {SOURCE}
    file: sources/{SOURCE}.txt
    title: test source
sites:
  - {{id: skin, label: skin}}
  - {{id: kidney, label: kidney}}
  - {{id: lung, label: lung}}
  - {{id: bone, label: bone}}
  - {{id: other, label: other}}
factors:
  - id: kidney.size_under_4cm
    kind: supporting
    label: small kidney tumor
  - id: bone.pain
    kind: supporting
    label: bone pain
"""

KIDNEY_RULE = f"""\
area: kidney
rules:
  - id: kidney.small
    factor: kidney.size_under_4cm
    kind: supporting
    when:
      all:
        - site == kidney
        - tumor.size_cm < 4
    text: Kidney tumor of {{tumor.size_cm}} cm. Point to discuss.
    cites:
      - source: {SOURCE}
        quote: particularly small tumors that are less than 4cm in size
"""

BONE_RULES = f"""\
area: bone
rules:
  - id: bone.metastatic
    kind: derived
    derives: bone_metastatic
    when:
      all: [site == bone, tumor.metastatic == true]
    cites:
      - source: {SOURCE}
        quote: metastatic bone tumors
  - id: bone.pain
    factor: bone.pain
    kind: supporting
    when:
      all:
        - derived bone_metastatic
        - any: [symptoms.pain_score >= 1, history.symptoms_returned == true]
    text: Pain. Point to discuss.
    cites:
      - source: {SOURCE}
        quote: to alleviate pain and improve quality of life
"""


def make_pack(tmp: Path, files: dict[str, str] | None = None, pack_yaml: str = PACK_YAML) -> Path:
    """A pack folder with the real source document and the given rule files."""
    (tmp / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "rules" / "sources" / f"{SOURCE}.txt", tmp / "sources")
    (tmp / "pack.yaml").write_text(pack_yaml)
    for name, text in (files if files is not None else {"kidney.yaml": KIDNEY_RULE,
                                                         "bone.yaml": BONE_RULES}).items():
        (tmp / name).write_text(textwrap.dedent(text))
    return tmp

ADDON_PACK_YAML = f"""\
name: test-addon
version: 0.0.1
adds_to: test-pack
sources:
  - id: {SOURCE}-again
    file: sources/{SOURCE}.txt
    title: the same source text, under another id
factors:
  - id: addon.bone
    kind: context
    label: a bone case
"""

#: An add-on pack deriving the base pack's ``bone_metastatic`` (BONE_RULES reads it): loaded together, the
#: base's reader comes before this deriver.
ADDON_DERIVING_RULES = f"""\
area: addon
rules:
  - id: addon.metastatic
    kind: derived
    derives: bone_metastatic
    when:
      all: [site == bone, history.symptoms_returned == true]
    cites:
      - source: {SOURCE}-again
        quote: metastatic bone tumors
  - id: addon.bone
    factor: addon.bone
    kind: context
    when: site == bone
    text: A bone case. Point to discuss.
    cites:
      - source: {SOURCE}-again
        quote: metastatic bone tumors
"""
