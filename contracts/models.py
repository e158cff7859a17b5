"""The app's models, re-exported: code imports its domain's module
(``contracts.contracts.models``, ``contracts.milestones.models``)."""

from contracts.contracts.models import (  # noqa: F401
    Amendment,
    Contract,
    ContractClauses,
    ContractDocument,
    ContractKind,
    EvaluationCriterion,
    Milestone,
    Signature,
    SurveyQuestion,
)
from contracts.milestones.models import (  # noqa: F401
    AcceptanceRecord,
    CommitteeOpinion,
    CriterionScore,
    Evidence,
    MilestoneEvaluation,
    MilestoneReport,
    ServiceLogEntry,
    SupervisionPhoto,
    SupervisionRecord,
    SurveyResponse,
    SurveyToken,
)
from contracts.payments.models import GatewayEvent, LedgerEntry, PayeeAccount, Payment  # noqa: F401
