"""Text analysis computed locally: excerpts, tokens and similar titles while a resident types.

No external service: character-trigram similarity for suggestions, deterministic for the same input. Themes across a
phase's ideas (TF-IDF + k-means, numpy) are in themes.py, so numpy loads with the insights page, not with the web
worker.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Small multilingual stop list (en, nl, fr, de, nb): enough to keep themes about content, not grammar.
_STOP_TEXT = """
about all als also and any are auch auf aus aux avec bei bij blir but can ces cette city could dans das dat dem
den der des det dette deze die door een ein eine einen est ett for from für har has have here het how idea ideas
ideen idée ikke into it's its jullie les less leur like maar make med meer mehr mer met minder mindre mit moins
more naar need needs new nicht niet nos not og onto onze ook our over par pas please plus pour que qui should
sind som some sont such sur than that the their them then there they this til too town und une unsere van very
von voor vos våre want was weniger werden were what when where which while who why will wird with worden wordt
would your zijn
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_BLOCK = re.compile(r"^\s*(#{1,6}|>|[-+*]|\d+\.)\s+", re.M)
_MD_INLINE = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")


def excerpt(markdown: str, limit: int = 180) -> str:
    """A plain-text excerpt of a markdown body for cards; cheap (regexes, no parsing) and escaped by the template."""
    text = _MD_INLINE.sub("", _MD_BLOCK.sub("", _MD_LINK.sub(r"\1", markdown[: limit * 3])))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS]


def trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in tokens(text):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' word trigrams, in [0, 1]."""
    ga, gb = trigrams(a), trigrams(b)
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def most_similar(
    title: str, candidates: list[tuple[int, str]], *, limit: int = 5, threshold: float = 0.3
) -> list[tuple[int, str, float]]:
    """The candidates (id, title) most like ``title``, best first, above ``threshold``."""
    target = trigrams(title)
    if not target:
        return []
    scored = []
    for ident, text in candidates:
        grams = trigrams(text)
        if not grams:
            continue
        score = 2 * len(target & grams) / (len(target) + len(grams))
        if score >= threshold:
            scored.append((ident, text, score))
    scored.sort(key=lambda item: (-item[2], item[0]))
    return scored[:limit]
