from .audit import AuditChainHead, AuditEvent
from .places import Community, District
from .users import User

__all__ = ["AuditChainHead", "AuditEvent", "Community", "District", "User"]
