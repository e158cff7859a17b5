"""Money display: CNY amounts always with two decimals and comma grouping
(200,000.00), the same in every language, page, PDF and spreadsheet."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def format_cny(value):
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
