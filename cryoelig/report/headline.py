"""The report's headline: what matters first, counted, before the points themselves.

Why: a reader scanning a long summary can miss the one caution or the one published band at a
threshold. The headline counts the documented factors, the cautions and the published-scale bands at a
threshold their paper names (which bands: ``named_threshold`` in the pack's scales.yaml, never a
number in Python), and folds the background every case of the site gets (points whose basis reads the
site alone) into one line. It counts "points to discuss"; it never says what they mean for treatment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..rulepack.packmodel import Pack
from .scalesection import PublishedScales

#: A report's Finding (``projection.Finding``, which imports this module): kind, rule, factor, basis.
Finding = Any


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdBand(_Model):
    """A published-scale band at a threshold its paper names, as the case reaches it."""

    scale: str
    short: str
    #: the case's total or value and the band, as the scales section words them ("total 10; Mirels 9 to 12: ...")
    summary: str
    band: str


class Headline(_Model):
    """The counts a reader sees first, the words that say them, and the folded background line."""

    supporting: int
    caution: int
    context: int
    threshold_bands: list[ThresholdBand]
    #: the context points every case of this site gets (their basis reads the site alone), folded into one line
    background_rules: list[str]
    text: str
    background: str | None = None


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def is_background(finding: Finding) -> bool:
    """A context point every case of its site gets: each clause of its basis reads the site alone."""
    return finding.kind == "context" and all(c.field == "site" for c in finding.basis)


def headline_of(pack: Pack, site: str, findings: Sequence[Finding], scales: PublishedScales | None) -> Headline:
    """The headline of one report (deterministic: counts and pack labels only). A band counts where its paper
    describes the scale (a worst-pain level of a bone trial is not counted for a liver case)."""
    kinds = [f.kind for f in findings]
    bands = [ThresholdBand(scale=line.scale, short=line.short, summary=line.summary, band=line.band or "")
             for line in (scales.lines if scales else ()) if line.named_threshold and line.applies != "no"]
    text = ("Points to discuss: " + _count(kinds.count("supporting"), "documented factor", "documented factors")
            + ", " + _count(kinds.count("caution"), "point of caution", "points of caution") + ", "
            + _count(len(bands), "published-scale band", "published-scale bands")
            + (" at a threshold its paper names" if len(bands) == 1 else " at a threshold their papers name"))
    if bands:
        text += " (" + "; ".join(f"{b.short} {_head(b.summary)}" for b in bands) + ")"
    text += "."
    background = [f for f in findings if is_background(f)]
    line = None
    if background:
        labels = [pack.factor_by_id[f.factor].label if f.factor in pack.factor_by_id else f.rule for f in background]
        line = (f"Background every {site} case gets ({len(background)}): " + "; ".join(labels) + " (rules "
                + ", ".join(f.rule for f in background) + ").")
    return Headline(supporting=kinds.count("supporting"), caution=kinds.count("caution"),
                    context=kinds.count("context"), threshold_bands=bands,
                    background_rules=[f.rule for f in background], text=text, background=line)


def _head(summary: str) -> str:
    """'total 10' of 'total 10; Mirels 9 to 12: ...' (the band's words stay in the scales section)."""
    return summary.split(";", 1)[0]
