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
    ResponseTooLarge,
    TenantMisconfigured,
    TenantUnavailable,
    TokenRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from apps_admin.ecl.operations import (
    app_create_answer,
    app_delete_answer,
    app_get,
    app_get_answer,
    app_list,
    app_list_body,
    app_list_page,
    app_update_answer,
    secretkey_get,
    secretkey_renew,
    unreadable_message,
)
from apps_admin.ecl.transport import Deadline, shared_deadline
from apps_admin.ecl.types import (
    PERMISSIONS,
    STATUSES,
    Answer,
    App,
    AppList,
    AppSummary,
    MonthCounts,
    MonthUsage,
    UnreadableApp,
    usable_app_id,
)

__all__ = [
    "PERMISSIONS",
    "STATUSES",
    "Answer",
    "App",
    "AppList",
    "AppNotFound",
    "AppSummary",
    "BadUpstreamResponse",
    "CredentialsRejected",
    "Deadline",
    "ECLError",
    "InvalidRequest",
    "MonthCounts",
    "MonthUsage",
    "OutcomeUnknown",
    "ResponseTooLarge",
    "TenantMisconfigured",
    "TenantUnavailable",
    "TokenRejected",
    "UnreadableApp",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "app_create_answer",
    "app_delete_answer",
    "app_get",
    "app_get_answer",
    "app_list",
    "app_list_body",
    "app_list_page",
    "app_update_answer",
    "secretkey_get",
    "secretkey_renew",
    "shared_deadline",
    "unreadable_message",
    "usable_app_id",
]
