"""Diacritic- and order-insensitive search of the catalog.

Text is normalised the way a citizen types on a phone without a Vietnamese keyboard: Unicode NFD,
combining marks removed, đ → d, lower case, anything not a letter or digit becomes a space. A query
matches a procedure when every query token is the start of a word of its ``search_text`` (AND), so
"cap giay phep xay dung", "xây dựng giấy phép" and "XAY DUNG" all find "Cấp giấy phép xây dựng".
The database does the filtering with plain ``LIKE`` (portable to SQLite and PostgreSQL); ranking
is done in Python on the matching rows, which are few once every token must match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^0-9a-z]+")
MAX_QUERY_TOKENS = 12
MAX_TOKEN_LENGTH = 40


def normalize(text: str) -> str:
    """ "Cấp Giấy phép Xây dựng (nhà ở)" → "cap giay phep xay dung nha o"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_WORD.split(stripped)).strip()


def tokens(query: str) -> list[str]:
    """The distinct normalised tokens of a query, in order, bounded in number and length."""
    seen: list[str] = []
    for token in normalize(query).split():
        token = token[:MAX_TOKEN_LENGTH]
        if token not in seen:
            seen.append(token)
        if len(seen) >= MAX_QUERY_TOKENS:
            break
    return seen


def build_search_text(*parts: str) -> str:
    """The stored form: normalised words with a leading and a trailing space, so that
    ``LIKE '% token%'`` is a word-prefix match."""
    words = " ".join(normalize(part) for part in parts if part).split()
    return f" {' '.join(words)} " if words else ""


def code_variants(code: str) -> str:
    """A national code is also findable without its dot: "1.001193" → "1 001193 1001193"."""
    normalized = normalize(code)
    return f"{normalized} {normalized.replace(' ', '')}"


def score(query_tokens: Iterable[str], name: str) -> tuple:
    """Sort key (smaller is better) of a matching procedure for a query.

    Prefers, in order: the query as a phrase in the name, the name starting with the query, more
    tokens matching whole words of the name (not only word prefixes or the field name), tokens in
    the same order as in the name, then shorter names.
    """
    wanted = list(query_tokens)
    name_norm = normalize(name)
    name_words = name_norm.split()
    phrase = " ".join(wanted)
    padded = f" {name_norm} "
    in_name_phrase = bool(phrase) and f" {phrase}" in padded
    starts_with = bool(phrase) and name_norm.startswith(phrase)
    whole_in_name = sum(1 for token in wanted if token in name_words)
    prefix_in_name = sum(1 for token in wanted if any(word.startswith(token) for word in name_words))
    positions = []
    for token in wanted:
        position = next((i for i, word in enumerate(name_words) if word.startswith(token)), None)
        if position is not None:
            positions.append(position)
    in_order = positions == sorted(positions)
    return (
        not in_name_phrase,
        not starts_with,
        -whole_in_name,
        -prefix_in_name,
        not in_order,
        len(name_words),
        name_norm,
    )
