"""Check an annotated Edition before anything is written; return diagnostics, never raise.

Input: an Edition. Output: warnings for person-like names the register lacks (W201) and for
register entries used by the record that are not verified (W202). Structural errors (brackets,
TOML, phrases) are found earlier, by the stage that reads them.
"""

from __future__ import annotations

import re

from .diagnostics import Diagnostic
from .model import Text
from .render import Edition

# A capitalized word after a title or before a verb of speech reads as a person's name.
NAME = r"[A-Z][\w'’-]*[a-z][\w'’-]*"
TITLE = (r"\b(?:Com|Comrade|Comrades|Mr|Mrs|Dr|Marshal|General|President|Premier|Ambassador|"
         r"Colonel|Major|Captain|Lieutenant|Admiral|Chairman|Minister)\.?\s+")
PERSON_LIKE = re.compile(
    rf"(?:{TITLE}(?:{TITLE})*(?P<titled>{NAME}(?:\s+{NAME})?))"
    rf"|(?:(?P<speaker>{NAME}(?:\s+{NAME})?)\s+(?:says|said|asks|asked|responds|responded|"
    r"remarks|remarked|observes|observed|replies|replied|declared|stressed)\b)")
NOT_NAMES = {"The", "He", "She", "They", "It", "This", "That", "Then", "We", "I", "Party",
             "Committee", "Secretary", "Comrade", "Comrades", "Com", "Minister", "Chairman",
             "Government", "Politburo", "Nobody", "Everybody", "Somebody", "Everyone", "Someone",
             "No", "One", "Who", "Which", "When", "There", "Here", "But", "And", "So", "Also",
             "Soviet", "Soviets", "Americans", "Russians", "Ambassador", "President", "Dr",
             "Marshal", "General", "Mr", "Mrs", "Premier", "Colonel", "Major", "Captain"}


def unregistered_names(edition: Edition) -> list[Diagnostic]:
    """Warn of person-like names in the reading text that are not in the register (W201)."""
    found, seen = [], set()
    for paragraph in edition.record.paragraphs:
        for node in paragraph.inlines:
            if not isinstance(node, Text):
                continue
            for match in PERSON_LIKE.finditer(node.text):
                name = match.group("titled") or match.group("speaker")
                words = name.split()
                while words and words[0] in NOT_NAMES:  # "Then Zhou Enlai said"
                    words.pop(0)
                name = " ".join(words)
                if not name or name in NOT_NAMES or name in seen:
                    continue
                seen.add(name)
                group = "titled" if match.group("titled") else "speaker"
                start = match.start(group) + match.group(group).index(name)
                pos = node.pos.__class__(node.pos.file, node.pos.line, node.pos.col + start)
                found.append(Diagnostic("W201", pos, f"{name!r} looks like a person's name but "
                                        "is not in the persons register",
                                        "add the person to source/persons.toml (as a variant "
                                        "if it is a spelling of a registered person)"))
    return found


def unverified_persons(edition: Edition) -> list[Diagnostic]:
    """Warn once for each person the record mentions whose register entry is unverified."""
    used = {m.person for _, m in edition.record.mentions()}
    return [Diagnostic("W202", p.pos, f"register entry '{p.id}' is not verified"
                       + (f": {p.note}" if p.note else ""),
                       "check it against a reliable source and set verified = true")
            for pid, p in sorted(edition.register.persons.items())
            if pid in used and not p.verified]


def check_edition(edition: Edition) -> list[Diagnostic]:
    """Run every check of an annotated edition."""
    return unregistered_names(edition) + unverified_persons(edition)
