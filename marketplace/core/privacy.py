"""Finding personal data in free text that is about to become public.

Design rule: ID numbers, phone numbers, home addresses and bank accounts
never reach a public page, PDF or feed.  Text that workers and officers
write for the public (need titles and descriptions, public answers) is
checked here before it is saved; the check names what it found so the
writer can remove it."""

import re

from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
BANK_CARD = re.compile(r"(?<!\d)(?:\d[\s-]?){15,18}\d(?!\d)")
ADDRESS = re.compile(r"\d+\s*(?:号楼|栋|幢|单元)\s*\d*|\d+\s*(?:室|号房)|门牌")

KINDS = {
    "phone": _("a phone number"),
    "id_number": _("an ID card number"),
    "bank_account": _("a bank card or account number"),
    "address": _("a home address"),
    "name": _("the resident's name"),
}


def _luhn_ok(digits):
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_personal_data(text, *, names=()):
    """Return the kinds of personal data found in ``text`` (possibly empty)."""
    text = text or ""
    found = []
    if MOBILE.search(text) or LANDLINE.search(text):
        found.append("phone")
    if any(ric.is_valid(m.group(0)) for m in ID_CANDIDATE.finditer(text)):
        found.append("id_number")
    for match in BANK_CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 16 <= len(digits) <= 19 and _luhn_ok(digits) and not ric.is_valid(digits):
            found.append("bank_account")
            break
    if ADDRESS.search(text):
        found.append("address")
    if any(name and len(name) >= 2 and name in text for name in names):
        found.append("name")
    return found


def describe(kinds):
    return "、".join(str(KINDS[kind]) for kind in kinds)
