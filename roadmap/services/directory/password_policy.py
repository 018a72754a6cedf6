"""What makes a password guessable, independent of the database: the common-password list and context words.

The list is the 10,000 most common passwords of SecLists (MIT licence; see roadmap/data/README.md). Shorter
ones are already refused by the length rule; the list matters for long ones and for their easy variants
(a common password repeated, or with digits and signs added, or with spaces between).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from roadmap.services.platform.caching import memoised

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"

# The service's own names, in both languages, as an attacker would try them first.
PRODUCT_WORDS = (
    "Lộ trình chuyển đổi số",
    "lộ trình",
    "chuyển đổi số",
    "đánh giá",
    "khảo sát",
    "roadmap",
    "digital transformation",
    "survey",
    "văn phòng",
    "bưu điện",
)

# What is left of a password once the context words are taken out must be at least this long.
MIN_RESIDUAL = 8


@memoised(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def fold(text: str) -> str:
    """Lower case, without diacritics (đ → d) and without anything but letters and digits."""
    text = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def _variants(password: str) -> set[str]:
    lowered = password.strip().lower()
    compact = re.sub(r"\s+", "", lowered)
    variants = {lowered, compact}
    # Digits and signs added before or after a common word: "password123456!", "2024!!qwerty".
    variants.add(re.sub(r"^[\d\W_]+|[\d\W_]+$", "", compact))
    variants.add(re.sub(r"[\d\W_]+$", "", compact))
    variants.add(re.sub(r"^[\d\W_]+", "", compact))
    # A common word repeated: "passwordpassword", "qwertyqwerty!".
    for variant in list(variants):
        repeated = re.fullmatch(r"(.+?)\1+", variant)
        if repeated:
            variants.add(repeated.group(1))
    return {v for v in variants if v}


def is_common(password: str) -> bool:
    common = common_passwords()
    if any(variant in common for variant in _variants(password)):
        return True
    compact = fold(password)
    # One character repeated, or a run of the keyboard's digits: "aaaaaaaaaaaa", "123456789012".
    return len(set(compact)) <= 2 or compact in "01234567890123456789" or compact in "98765432109876543210"


def is_mostly_context(password: str, words: Iterable[str]) -> bool:
    """True when, with every context word taken out, fewer than MIN_RESIDUAL characters remain."""
    rest = fold(password)
    folded = sorted({fold(word) for word in words if len(fold(word)) >= 3}, key=len, reverse=True)
    found = False
    for word in folded:
        if word in rest:
            rest = rest.replace(word, "")
            found = True
    return found and len(rest) < MIN_RESIDUAL
