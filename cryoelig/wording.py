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


def neutral_message(message: str) -> str:
    """pydantic's 'Input should be ...' in the tool's own voice: no directive word in any output."""
    message = re.sub(r"\bInput should (?:be|have) ", "expected ", message)
    return re.sub(r"\bshould\b", "is expected to", message)
