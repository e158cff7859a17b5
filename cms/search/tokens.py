"""The CJK bigram tokenizer of the site search (see ``cms.search``).

Chinese is written without spaces, so a word index has nothing to split on.
Instead every run of CJK characters becomes its overlapping two-character
windows (居家养老 → 居家 家养 养老) plus its last character alone (老), and
every run of other letters or digits becomes one lower-cased word.  A query
of two or more Chinese characters is the AND of its own windows (养老 → 养老;
助餐服务 → 助餐 & 餐服 & 服务): every document holding the query as a
substring holds all of them, so the index finds every true hit; the few
documents that hold the windows apart are dropped by the exact substring
check that follows.  A single Chinese character is a prefix of a window or
the run's last character (``'养':*``), and a Latin or digit word a prefix of
a word, so one-character queries stay index-backed too.

Pure Python, no dictionary and no segmenter (jieba is not available here):
the same function feeds the PostgreSQL ``tsvector`` and builds the query."""

import re
import unicodedata

# CJK unified ideographs (with extension A and the compatibility block).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
#: PostgreSQL refuses lexemes over 2 KB; a word this long is no use to search anyway.
MAX_WORD = 60


def normalise(text):
    """Full-width forms become ASCII (ＡＢＣ１２ → abc12), letters lower case."""
    return unicodedata.normalize("NFKC", str(text or "")).lower()


def _runs(text):
    for match in _RUNS.finditer(normalise(text)):
        yield ("cjk", match.group("cjk")) if match.group("cjk") else ("word", match.group("word")[:MAX_WORD])


def document_tokens(*texts):
    """The distinct tokens of a document (sorted, so a rebuild is stable)."""
    tokens = set()
    for text in texts:
        for kind, run in _runs(text):
            if kind == "cjk":
                tokens.update(run[i : i + 2] for i in range(len(run) - 1))
                tokens.add(run[-1])
            else:
                tokens.add(run)
    return sorted(tokens)


def has_tokens(text):
    """Does ``text`` hold a letter, a digit or a Chinese character?"""
    return any(True for _ in _runs(text))


def query_terms(text):
    """A query's terms: what the reader separated by spaces (each must be
    found), normalised, without duplicates, in their order."""
    terms = []
    for term in normalise(text).split():
        if term not in terms:
            terms.append(term)
    return terms


def _lexeme(token, prefix=False):
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def term_lexemes(term):
    """The tsquery operands one term requires (all of them)."""
    lexemes = []
    for kind, run in _runs(term):
        if kind == "cjk" and len(run) > 1:
            lexemes.extend(_lexeme(run[i : i + 2]) for i in range(len(run) - 1))
        else:
            lexemes.append(_lexeme(run, prefix=True))
    return lexemes


def tsquery(text):
    """The PostgreSQL ``tsquery`` text for a query (every term's lexemes
    ANDed), or "" if it holds nothing to look up.  Cast with ``::tsquery``,
    never through a text-search parser: the lexemes are already final."""
    lexemes = []
    for term in query_terms(text):
        for lexeme in term_lexemes(term):
            if lexeme not in lexemes:
                lexemes.append(lexeme)
    return " & ".join(lexemes)
