"""The deny-list of directive wording, shared by the pack linter and the output tests.

Why: the tool informs and never recommends. A word here in any text a user sees (rule
texts, labels, questions, cited quotes, generated messages) is a defect. Each entry takes its
inflections (``contraindicat\\w*`` is contraindicated, contraindication, contraindications).
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(
    r"\b(eligib\w*|recommend\w*|should|indicated|indications?|candidates?|must|advis\w*|"
    r"suitab\w*|appropriate\w*|ought|best option|is the treatment of choice|"
    r"contraindicat\w*|qualif(?:y|ies|ied|ying|ication|ications)\b|avoid\w*|prefer\w*|warrant\w*)\b",
    re.IGNORECASE,
)


_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.IGNORECASE | re.DOTALL)


def directive_words(text: str) -> list[str]:
    """The directive words found in a text (empty when it is clean)."""
    return [m.group(0) for m in DIRECTIVE.finditer(text)]


def readable(text: str) -> str:
    """What a person reads of an output: an HTML page without its style sheet (CSS keywords such as
    ``break-inside: avoid`` are layout, not wording)."""
    return _STYLE_BLOCK.sub(" ", text)


#: A marked quotation: a paper's own words between curly double quotes (a cited title, a scale's published
#: wording). Its words are the paper's, not the tool's: the linter and the output check read around it.
QUOTATION = re.compile("\u201c[^\u201c\u201d]*\u201d")


def own_words(text: str) -> str:
    """A text without its marked quotations: what the tool itself says."""
    return QUOTATION.sub(" ", text)


def neutral_message(message: str) -> str:
    """pydantic's 'Input should be ...' in the tool's own voice: no directive word in any output."""
    message = re.sub(r"\bInput should (?:be|have) ", "expected ", message)
    return re.sub(r"\bshould\b", "is expected to", message)


#: Advice a published scale's band must never carry (issue 12): a band names a range of a total, and the
#: team decides what follows. Checked on the published-scales pack only: the source pack quotes its source,
#: which speaks of surgery and treatment in its own words.
ADVICE = re.compile(
    r"\b(refer\w*|fixation|fix|stabili[sz]\w*|transfus\w*|consult\w*|surgery|surgical\w*|operat\w*|"
    r"withh[oe]ld\w*|correct(ed|ion)?|safe\w*|effective\w*|efficacy|success\w*|reliev\w*|relief)\b",
    re.IGNORECASE,
)


def advice_words(text: str) -> list[str]:
    """Directive words plus the advice words a scale band must not carry (empty when clean)."""
    return directive_words(text) + [m.group(0) for m in ADVICE.finditer(text)]
