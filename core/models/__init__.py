"""Core tables. Importing this module registers them on the shared metadata."""

from core.models.accounts import ROLES, AuthSession, EmailToken, ProjectModerator, RateLimitHit, User
from core.models.activity import AuditEntry, Notification
from core.models.api_tokens import ApiToken
from core.models.demographics import PROFILE_KINDS, ProfileAnswer, ProfileQuestion
from core.models.imports import IMPORT_STATUSES, ImportBatch
from core.models.jobs import JobRun
from core.models.participation import Comment, Follow, Reaction, Report, StatusChange
from core.models.projects import PROJECT_STATUSES, Area, Phase, Project, ProjectArea, ProjectTopic, Topic
from core.models.tenant import Tenant, TenantHost
from core.models.webhooks import Webhook, WebhookDelivery

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
        ImportBatch,
        Area,
        Topic,
        ProjectArea,
        ProjectTopic,
        Project,
        Phase,
        Comment,
        Reaction,
        Follow,
        Report,
        StatusChange,
        JobRun,
        ApiToken,
        Webhook,
        WebhookDelivery,
        ProfileQuestion,
        ProfileAnswer,
    )
)

__all__ = [
    "CORE_TABLES",
    "IMPORT_STATUSES",
    "PROFILE_KINDS",
    "PROJECT_STATUSES",
    "ROLES",
    "ApiToken",
    "Area",
    "AuditEntry",
    "AuthSession",
    "Comment",
    "EmailToken",
    "Follow",
    "ImportBatch",
    "JobRun",
    "Notification",
    "Phase",
    "ProfileAnswer",
    "ProfileQuestion",
    "Project",
    "ProjectArea",
    "ProjectModerator",
    "ProjectTopic",
    "RateLimitHit",
    "Reaction",
    "Report",
    "StatusChange",
    "Tenant",
    "TenantHost",
    "Topic",
    "User",
    "Webhook",
    "WebhookDelivery",
]
