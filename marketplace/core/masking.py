"""Showing a person which address or number a message went to, without
printing it in full (pure functions: models, services and views use them)."""


def mask_number(number):
    """138****8000: enough to recognise one's own number, not to read it."""
    number = str(number or "")
    if len(number) < 7:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_identifier(value):
    """z***@example.cn or 138****8000: for showing a person which address or
    number a message went to, without printing it in full."""
    value = str(value or "")
    if "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_number(value)
