"""Tell what kind of intervention a bracket or a parenthesis is, from its text and context.

Input: the intervention's content and the reading text around it. Output: a kind from
model.KINDS (and, for sic, the correct form). The rules follow the conventions of the Wilson
Center's translations; a record's sidecar overrides any decision.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
ABBREVIATION = re.compile(r"^[A-ZА-Я][A-ZА-Я()]{1,9}$")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SIC = re.compile(r"^sic\b[\s,;:.—–-]*(?:(?:should be|read|i\.e\.|ed\. note\s*[—–-]\s*perhaps|"
                 r"perhaps)\s+)?(?P<correction>.*)$", re.I | re.S)

# Below this Zipf frequency a word is taken as not English (wordfreq's scale: 3 is about one
# occurrence per million words). Transliterations like "rugali" or "poshla" score 0.
ENGLISH_ZIPF = 3.0

# Abbreviated labels for the original language of a gloss, after common scholarly usage.
LANGUAGE_LABELS = {
    "russian": ("Russ.", "ru"), "french": ("Fr.", "fr"), "german": ("Ger.", "de"),
    "chinese": ("Chin.", "zh"), "polish": ("Pol.", "pl"), "czech": ("Cz.", "cs"),
    "hungarian": ("Hung.", "hu"), "romanian": ("Rom.", "ro"), "bulgarian": ("Bulg.", "bg"),
    "serbo-croatian": ("S.-Cr.", "sh"), "korean": ("Kor.", "ko"), "vietnamese": ("Viet.", "vi"),
    "spanish": ("Sp.", "es"), "italian": ("It.", "it"), "english": ("Eng.", "en"),
    "ukrainian": ("Ukr.", "uk"), "mongolian": ("Mong.", "mn"), "persian": ("Pers.", "fa"),
    "japanese": ("Jap.", "ja"), "albanian": ("Alb.", "sq"), "german (gdr)": ("Ger.", "de"),
}


def language_label(language: str) -> tuple[str, str]:
    """Return the note label and BCP 47 tag for a record's original language ('' if unknown)."""
    key = (language or "").strip().lower()
    if key in LANGUAGE_LABELS:
        return LANGUAGE_LABELS[key]
    return ((language.strip()[:4] + ".") if language.strip() else "orig.", "")


# wordfreq's tokenizer splits off 1-2 letters and an apostrophe before a vowel or "h" (French
# elision: "l'homme" is "l" + "homme"), but keeps "don't" and "o'clock" whole.
ELISION = re.compile(r"(\w\w?)'(?=[AEHIOUYÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÅÏÖŒaehiouyáéíóúàèìòùâêîôûåïöœ])")


@functools.cache
def english_buckets() -> dict[str, int]:
    """Return wordfreq's small English list as {word: frequency in -centibels}.

    The list is read from wordfreq's data file, a gzipped msgpack "cBpack" (wordfreq's
    read_cBpack documents it: a header, then one list of words per centibel of frequency).
    Importing wordfreq itself would cost half a second of every build (it loads langcodes,
    ftfy and regex for languages a record's words never need).
    """
    import gzip
    import importlib.util
    import zlib
    from pathlib import Path

    import msgpack
    try:
        spec = importlib.util.find_spec("wordfreq")
        data = Path(spec.submodule_search_locations[0]) / "data" / "small_en.msgpack.gz"
        pack = msgpack.unpackb(gzip.decompress(data.read_bytes()), raw=False)
        if pack[0] != {"format": "cB", "version": 1}:
            raise ValueError(f"{data}: not a wordfreq cBpack file (header {pack[0]!r})")
        buckets = pack[1:]
    except (OSError, EOFError, zlib.error, ValueError, TypeError, AttributeError, IndexError,
            KeyError, msgpack.UnpackException):
        # a wordfreq that keeps its data elsewhere: ask it, the slow way
        from wordfreq import get_frequency_list
        buckets = get_frequency_list("en", wordlist="small")
    return {word: index for index, bucket in enumerate(buckets) for word in bucket}


def zipf_frequency(word: str) -> float:
    """Return a word's Zipf frequency in English, as wordfreq.zipf_frequency(word, "en",
    wordlist="small") does (tests/test_parse.py compares the two)."""
    text = unicodedata.normalize("NFC", word).casefold()
    tokens = []
    while match := ELISION.match(text):  # a straight apostrophe only, as wordfreq's tokenizer
        tokens.append(match.group(1))
        text = text[match.end():].lstrip("'")
    tokens = [token.replace("\u2019", "'") for token in [*tokens, text]]
    buckets = english_buckets()
    if not all(token in buckets for token in tokens):
        return 0.0
    # several tokens combine as 1/f = 1/f1 + 1/f2 ..., f rounded to 3 significant digits
    freq = 1.0 / sum(1.0 / 10 ** (-buckets[token] / 100) for token in tokens)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(math.log(freq, 10) + 9, 2)


@functools.lru_cache(maxsize=4096)
def is_english(word: str) -> bool:
    """Tell whether a word is common English, by its frequency in wordfreq's English lists."""
    return zipf_frequency(word) >= ENGLISH_ZIPF


def looks_like_gloss(text: str) -> bool:
    """Tell whether a phrase is an original-language word or phrase (a transliteration)."""
    if CYRILLIC.search(text):
        return True
    words = WORD.findall(text)
    if not words or len(words) > 8 or not text.strip()[0].islower():
        return False
    if len("".join(words)) < 0.7 * len(text.replace(" ", "")):
        return False  # mostly digits or punctuation: not a phrase
    foreign = sum(not is_english(w) for w in words)
    return foreign * 3 >= len(words)


def initials_match(abbreviation: str, expansion: str) -> bool:
    """Tell whether an expansion spells out an abbreviation (letters as a subsequence)."""
    letters = [c for c in abbreviation if c.isalpha()]
    initials = [w[0].upper() for w in WORD.findall(expansion)]
    if len(initials) < 2 or not letters:
        return False
    it = iter(initials)
    return all(any(letter.upper() == i for i in it) for letter in letters) \
        and initials[0] == letters[0].upper()


def last_token(text: str) -> str:
    """Return the last whitespace-separated token of a text, without trailing punctuation."""
    tokens = text.split()
    return tokens[-1].strip(".,;:") if tokens else ""


def preceding_words(text: str, count: int) -> str:
    """Return the last `count` words of a text, as the lemma a note bears on."""
    words = re.findall(r"[\w'’-]+", text)
    return " ".join(words[-count:]) if count > 0 else ""


def classify_bracket(content: str, before: str, after: str, alone: bool, names) -> dict:
    """Classify a square-bracket intervention; return its kind and derived fields.

    `before`/`after` are the reading text next to it (brackets removed), `alone` tells that
    it is the whole paragraph, `names` is a container of registered names.
    """
    sic = SIC.match(content)
    if sic:
        return {"kind": "sic", "correction": sic.group("correction").strip(" .")}
    if alone:
        return {"kind": "summary"}
    if (before[-1:].isalnum() or after[:1].isalnum()) and " " not in content:
        return {"kind": "supplied", "inword": True}
    previous = last_token(before)
    if ABBREVIATION.match(previous) and initials_match(previous, content):
        return {"kind": "expansion", "lemma": previous}
    if content in names and previous[:1].isupper() and not after.strip()[:1].isupper():
        return {"kind": "identification", "lemma": previous}
    if looks_like_gloss(content):
        return {"kind": "gloss", "lemma": preceding_words(before, len(WORD.findall(content)))}
    if len(content.split()) > 5 or re.search(r"\d", content):
        return {"kind": "comment"}
    return {"kind": "supplied"}


PAREN = re.compile(r"(?<=\s)\((?P<content>[^()\[\]]{1,120})\)")


def classify_paren(content: str, before: str) -> dict | None:
    """Classify a parenthesis of the reading text: expansion, gloss, or None (it stays text)."""
    previous = last_token(before)
    if ABBREVIATION.match(previous) and initials_match(previous, content):
        return {"kind": "expansion", "lemma": previous}
    if looks_like_gloss(content):
        return {"kind": "gloss", "lemma": preceding_words(before, len(WORD.findall(content)))}
    return None
