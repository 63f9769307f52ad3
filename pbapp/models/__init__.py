"""The domain's tables, one module per aggregate. Importing this package registers them all."""

from pbapp.models.audit import AuditEvent
from pbapp.models.neighbourhood import NeedIndicator, Neighbourhood
from pbapp.models.user import ROLES, User, UserRole

__all__ = ["ROLES", "AuditEvent", "NeedIndicator", "Neighbourhood", "User", "UserRole"]
