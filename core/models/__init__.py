"""Core tables. Importing this module registers them on the shared metadata."""

from core.models.accounts import ROLES, AuthSession, EmailToken, ProjectModerator, RateLimitHit, User
from core.models.activity import AuditEntry, Notification
from core.models.projects import PROJECT_STATUSES, Area, Phase, Project, ProjectArea, ProjectTopic, Topic
from core.models.tenant import Tenant, TenantHost

CORE_TABLES = frozenset(
    m.__tablename__
    for m in (
        Tenant,
        TenantHost,
        User,
        ProjectModerator,
        AuthSession,
        EmailToken,
        RateLimitHit,
        AuditEntry,
        Notification,
        Area,
        Topic,
        ProjectArea,
        ProjectTopic,
        Project,
        Phase,
    )
)

__all__ = [
    "CORE_TABLES",
    "PROJECT_STATUSES",
    "ROLES",
    "Area",
    "AuditEntry",
    "AuthSession",
    "EmailToken",
    "Notification",
    "Phase",
    "Project",
    "ProjectArea",
    "ProjectModerator",
    "ProjectTopic",
    "RateLimitHit",
    "Tenant",
    "TenantHost",
    "Topic",
    "User",
]
