"""The words and colours the figures use for the kinds of points (supporting, caution, context).

Why one mapping: the headings a reader sees for each kind are being reworded (issue 9); the
summary page, its figures and the rule-graph picture all take their words from KIND_WORDS,
so a rename is one edit here. The colours are the Okabe-Ito palette, told apart by readers
with the common colour-vision deficiencies, and each kind also has its own hatch so a
grey-scale print still separates them.
"""

from __future__ import annotations

KIND_ORDER = ("supporting", "caution", "context")

KIND_WORDS = {
    "supporting": "documented factor",
    "caution": "caution",
    "context": "background",
}

KIND_COLOURS = {
    "supporting": "#009E73",  # bluish green
    "caution": "#D55E00",  # vermillion
    "context": "#0072B2",  # blue
}

# The same colours mixed with white (22 %), to fill shapes that carry black text (the rule graph).
KIND_TINTS = {"supporting": "#c7eae0", "caution": "#f6dcc7", "context": "#c7e0ee"}

KIND_HATCHES = {"supporting": "", "caution": "//", "context": "\\\\"}  # plain, right and left diagonals

OTHER_COLOUR = "#999999"  # a kind the pack does not name (a results file from another tool version)


def kind_word(kind: str) -> str:
    """The display word of a kind; an unknown kind is shown as it is written."""
    return KIND_WORDS.get(kind, kind)


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


#: The section headings of the report views (terminal, Markdown, HTML, explain), one per kind and
#: for the missing information. Each contains its kind's word above, so a figure and a report name a
#: kind alike; none reads as advice or as a list of pros and cons. The JSON ``kind`` values
#: (supporting, caution, context, missing) never change: batch consumers count by them.
KIND_HEADINGS = {
    "supporting": "Documented factors present",
    "caution": "Points of caution",
    "context": "Background from the source",
    "missing": "Information not given",
}


def kind_heading(kind: str) -> str:
    """The section heading of a kind; an unknown kind is shown as it is written."""
    return KIND_HEADINGS.get(kind, kind)
