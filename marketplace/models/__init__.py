from .audit import AuditChainHead, AuditEvent
from .bids import Bid, BidDocument, BidVersion, OpeningRecord
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
from .projects import (
    Addendum,
    Clarification,
    DayCount,
    Project,
    ProjectDocument,
    ProjectSequence,
    PurchaseMethod,
    RubricCriterion,
)
from .users import User

__all__ = [
    "Addendum",
    "Bid",
    "BidDocument",
    "BidVersion",
    "Clarification",
    "DayCount",
    "OpeningRecord",
    "Project",
    "ProjectDocument",
    "ProjectSequence",
    "PurchaseMethod",
    "RubricCriterion",
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
