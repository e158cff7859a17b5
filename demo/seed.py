"""The demo district: places and one account per role.  Used by
``manage.py seed_demo``; later features add their demo data here."""

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - published on purpose; seed_demo refuses production
DISTRICT = ("DEMO", "示范区")
COMMUNITIES = [
    # (code, street, name)
    ("DEMO-DC-01", "东城街道", "和平社区"),
    ("DEMO-DC-02", "东城街道", "春晖社区"),
    ("DEMO-XH-01", "西湖街道", "翠苑社区"),
    ("DEMO-XH-02", "西湖街道", "桂花社区"),
    ("DEMO-NS-01", "南山街道", "枫林社区"),
    ("DEMO-NS-02", "南山街道", "南山社区"),
]
# (username, full name, roles, community code, superuser)
ACCOUNTS = [
    ("admin", "平台管理员", ["platform_admin"], None, True),
    ("editor", "周敏", ["editor"], None, False),
    ("officer", "王磊", ["procurement_officer"], None, False),
    ("officer2", "孙丽", ["procurement_officer"], None, False),
    ("worker", "李娟", ["community_worker"], "DEMO-DC-01", False),
    ("org", "陈晨", ["organization_member"], None, False),
    ("evaluator", "赵敏", ["evaluator"], None, False),
    ("finance", "刘洋", ["finance_officer"], None, False),
]

# Second factor (issue 12): these demo accounts get an authenticator (TOTP)
# device with a fixed, published secret, printed by ``make run``; ``officer``
# sets one up on first sign-in, to show the enrolment.  Demo only.
TOTP_ACCOUNTS = ("admin", "officer2", "finance")


def demo_totp_key(username):
    """The fixed demo TOTP key (hex, 20 bytes) of a demo account."""
    import hashlib

    # A published demo value, not a protection: usedforsecurity=False says so (bandit B324).
    return hashlib.sha1(f"demo-totp-secret:{username}".encode(), usedforsecurity=False).hexdigest()
