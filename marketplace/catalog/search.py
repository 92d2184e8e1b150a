"""Turn text into the n-gram terms of the product search index."""

import unicodedata


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(query: str) -> list[str]:
    return [w for w in normalize(query).split() if w]


def index_terms(name: str) -> set[str]:
    """Every character and every adjacent pair within each word of a name."""
    terms: set[str] = set()
    for word in words(name):
        terms.update(word)
        terms.update(word[i : i + 2] for i in range(len(word) - 1))
    return terms


def query_terms(word: str) -> set[str]:
    """The terms a product must have to contain `word`: its pairs, or the character itself."""
    return {word} if len(word) == 1 else {word[i : i + 2] for i in range(len(word) - 1)}
