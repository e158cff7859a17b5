"""Reading query-string values that views use without a form (``?need=12``,
``?item=A0101``, ``?doc=3``).

``str.isdigit()`` is not a test for an id: it accepts "²" and "１２", which
``int()`` or the database then refuse with a 500; and a NUL byte in a text
value makes PostgreSQL refuse the whole query.  These helpers answer None
(an id) or clean text instead, so a hostile URL gets the page without the
value rather than an error."""

import unicodedata

MAX_ID = 2**63 - 1  # the largest value of a 64-bit database integer


def id_param(value):
    """A positive database id from ASCII digits, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None  # (int() of thousands of digits is itself an error)
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def text_param(value, limit=100):
    """Text without control characters, stripped, at most ``limit`` characters."""
    text = "".join(ch for ch in str(value or "") if unicodedata.category(ch) != "Cc")
    return text.strip()[:limit]


def has_control_characters(value):
    """A NUL byte (or another control character) in a URL part: PostgreSQL
    refuses a query holding a NUL byte with an error, so a loader answers 404
    before asking."""
    return any(unicodedata.category(ch) == "Cc" for ch in str(value))
