"""The ECL service module: every call the portal makes to a tenant's ECL services goes through here.

Use the operations (`app_list`, `app_get`, ... `secretkey_renew`) and catch `ECLError`; nothing else
in the project talks HTTP to ECL.
"""

from apps_admin.ecl.errors import (
    AppNotFound,
    BadUpstreamResponse,
    CredentialsRejected,
    ECLError,
    InvalidRequest,
    OutcomeUnknown,
    TenantMisconfigured,
    TenantUnavailable,
    TokenRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from apps_admin.ecl.operations import (
    app_create,
    app_create_answer,
    app_delete,
    app_delete_answer,
    app_get,
    app_get_answer,
    app_list,
    app_list_answer,
    app_update,
    app_update_answer,
    secretkey_get,
    secretkey_renew,
)
from apps_admin.ecl.types import (
    PERMISSIONS,
    STATUSES,
    Answer,
    App,
    AppSummary,
    MonthCounts,
    MonthUsage,
)

__all__ = [
    "PERMISSIONS",
    "STATUSES",
    "Answer",
    "App",
    "AppNotFound",
    "AppSummary",
    "BadUpstreamResponse",
    "CredentialsRejected",
    "ECLError",
    "InvalidRequest",
    "MonthCounts",
    "MonthUsage",
    "OutcomeUnknown",
    "TenantMisconfigured",
    "TenantUnavailable",
    "TokenRejected",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "app_create",
    "app_create_answer",
    "app_delete",
    "app_delete_answer",
    "app_get",
    "app_get_answer",
    "app_list",
    "app_list_answer",
    "app_update",
    "app_update_answer",
    "secretkey_get",
    "secretkey_renew",
]
