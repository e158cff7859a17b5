from marketplace.catalogue.models import CatalogueImport, CatalogueItem, CatalogueVersion, ServiceCategory
from marketplace.core.models.audit import AuditChainHead, AuditEvent, AuditHeadPublication
from marketplace.core.models.notices import Notice
from marketplace.core.models.outbox import HeldMessage, OutgoingMessage
from marketplace.core.models.places import Community, District
from marketplace.core.models.preferences import NotificationPreference
from marketplace.core.models.users import User
from marketplace.evaluation.models import (
    Award,
    Challenge,
    ChallengeDocument,
    Committee,
    CommitteeMember,
    Declaration,
    EvaluationReport,
    Evaluator,
    Qualification,
    ReportConfirmation,
    Score,
    ScoreSheet,
)
from marketplace.needs.models import CommunityFund, Need, ResidentReport
from marketplace.organizations.models import (
    EntryStandard,
    Invitation,
    Membership,
    Organization,
    OrganizationDocument,
    StaffMember,
)
from marketplace.procurement.models.bids import Bid, BidDocument, BidVersion, OpeningRecord
from marketplace.procurement.models.projects import (
    Addendum,
    Clarification,
    DayCount,
    Project,
    ProjectDocument,
    ProjectSequence,
    PurchaseMethod,
    PurchaseMethodChange,
    RubricCriterion,
)

__all__ = [
    "Award",
    "Challenge",
    "ChallengeDocument",
    "Committee",
    "CommitteeMember",
    "Declaration",
    "EvaluationReport",
    "Evaluator",
    "Qualification",
    "ReportConfirmation",
    "Score",
    "ScoreSheet",
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
    "PurchaseMethodChange",
    "RubricCriterion",
    "AuditChainHead",
    "AuditEvent",
    "AuditHeadPublication",
    "CatalogueImport",
    "CatalogueItem",
    "CatalogueVersion",
    "Community",
    "CommunityFund",
    "District",
    "EntryStandard",
    "HeldMessage",
    "Invitation",
    "Membership",
    "Notice",
    "NotificationPreference",
    "Organization",
    "OrganizationDocument",
    "OutgoingMessage",
    "StaffMember",
    "Need",
    "ResidentReport",
    "ServiceCategory",
    "User",
]
