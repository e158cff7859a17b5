from .audit import AuditChainHead, AuditEvent
from .catalogue import CatalogueImport, CatalogueItem, CatalogueVersion, ServiceCategory
from .needs import CommunityFund, Need, ResidentReport
from .organizations import (
    EntryStandard,
    Invitation,
    Membership,
    Notice,
    Organization,
    OrganizationDocument,
    StaffMember,
)
from .places import Community, District
from .users import User

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CatalogueImport",
    "CatalogueItem",
    "CatalogueVersion",
    "Community",
    "CommunityFund",
    "District",
    "EntryStandard",
    "Invitation",
    "Membership",
    "Notice",
    "Organization",
    "OrganizationDocument",
    "StaffMember",
    "Need",
    "ResidentReport",
    "ServiceCategory",
    "User",
]
