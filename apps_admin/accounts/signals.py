"""What happens outside the portal's own views: failed logins are audited, a sign-in asks for its
own second factor, and a password change or a deactivation revokes the person's API tokens."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from apps_admin import audit
from apps_admin.accounts import api_tokens, login_ceiling, second_factor


@receiver(user_login_failed)
def record_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; only the username is kept.
    username = str(credentials.get("username", ""))
    login_ceiling.count_failure(username)
    audit.record(request, "login.failed", outcome="denied", username=username, user=_nobody)


@receiver(user_logged_in)
def ask_second_factor_again(sender, request=None, user=None, **kwargs) -> None:
    # Each sign-in gives its own second factor: nothing of an earlier one carries over.
    if request is not None and hasattr(request, "session"):
        request.session.pop(second_factor.SESSION_KEY, None)


class _Nobody:
    is_authenticated = False


_nobody = _Nobody()


# --- API tokens end with the password or the account that made them ---------------------------

_WATCHED = frozenset({"password", "is_active"})


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def note_credential_change(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    instance._revoke_api_tokens = (
        not raw
        and instance.pk is not None
        and _credentials_changed(sender, instance, update_fields)
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def revoke_api_tokens(sender, instance, **kwargs) -> None:
    if getattr(instance, "_revoke_api_tokens", False):
        instance._revoke_api_tokens = False
        revoked = api_tokens.revoke_all(instance)
        if revoked:
            reason = "deactivated" if not instance.is_active else "password changed"
            audit.record(
                None,
                "token.revoke",
                user=instance,
                changes={
                    "tokens": {"from": revoked, "to": 0},
                    "reason": {"from": None, "to": reason},
                },
            )


def _credentials_changed(model, user, update_fields) -> bool:
    """The password was changed (not merely re-hashed) or the account deactivated."""
    if update_fields is not None and not _WATCHED & set(update_fields):
        return False  # a login's last_login, say: no need to read the row
    before = model._default_manager.filter(pk=user.pk).values("password", "is_active").first()
    if before is None:
        return False
    if before["is_active"] and not user.is_active:
        return True
    return before["password"] != user.password and not _rehashed(user, update_fields)


def _rehashed(user, update_fields) -> bool:
    # A correct password checked with an outdated hasher is hashed again and saved alone, with
    # `_password` cleared first: Django's "password hash upgrades shouldn't be considered
    # password changes" (AbstractBaseUser.check_password). A new Django release raises the
    # iterations, so without this every token would end at its owner's next login.
    return (
        update_fields is not None
        and set(update_fields) == {"password"}
        and getattr(user, "_password", None) is None
        and user.has_usable_password()
    )
