"""Money display: CNY amounts always with two decimals and comma grouping
(200,000.00), the same in every language, page, PDF and spreadsheet."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def format_cny(value):
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def cny_capitals(value):
    """The amount in Chinese capitals as written on a voucher (大写金额:
    贰万肆仟玖佰元整, 壹佰万贰仟零叁元零柒分), following the People's Bank's
    rules for filling in bills (整 after 元, none after 分).  cn2an does
    the conversion; this only fixes the input to two places."""
    import cn2an

    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a negative amount has no voucher form")
    if amount == 0:
        return "零元整"
    return cn2an.an2cn(f"{amount:f}", "rmb")


def split_evenly(amount, ids):
    """``{id: share}``: ``amount`` split evenly over ``ids`` to the fen, the
    first (lowest) id taking the remainder, so the shares add up exactly."""
    ids = sorted(set(ids))
    if not ids or amount <= 0:
        return {}
    share = (amount / len(ids)).quantize(CENT, rounding=ROUND_DOWN)
    shares = dict.fromkeys(ids, share)
    shares[ids[0]] += amount - share * len(ids)
    return shares
