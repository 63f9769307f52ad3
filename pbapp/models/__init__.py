"""The domain's tables, one module per aggregate. Importing this package registers them all."""

import pbapp.models.core_funding  # noqa: E402,F401,I001  (registers its tables)
import pbapp.models.funding  # noqa: E402,F401,I001  (registers its tables)
import pbapp.models.accountability  # noqa: E402,F401,I001  (registers its tables)
import pbapp.models.verification  # noqa: E402,F401,I001  (registers its tables)
import pbapp.models.mail  # noqa: E402,F401,I001  (registers its tables)
from pbapp.models.audit import AuditEvent
from pbapp.models.ballot import Ballot, BallotItem, Result
from pbapp.models.neighbourhood import NeedIndicator, Neighbourhood
from pbapp.models.process import (
    BALLOT_TYPES,
    COUNTING_RULES,
    PHASE_NAMES,
    PROPOSAL_STATUSES,
    THEMES,
    Budget,
    Process,
    Proposal,
    ProposalTranslation,
)
from pbapp.models.user import ROLES, User, UserRole

__all__ = [
    "BALLOT_TYPES",
    "COUNTING_RULES",
    "PHASE_NAMES",
    "PROPOSAL_STATUSES",
    "ROLES",
    "THEMES",
    "AuditEvent",
    "Ballot",
    "BallotItem",
    "Budget",
    "NeedIndicator",
    "Neighbourhood",
    "Process",
    "Proposal",
    "ProposalTranslation",
    "Result",
    "User",
    "UserRole",
]
