"""Role checks for views (Django) and API views (DRF)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache
from rest_framework.permissions import BasePermission

from core.roles import AGENT, user_has_role


def role_required(*roles: str):
    """The user must hold one of the roles (superusers hold them all).

    Every such page is staff-only (tickets, customers' emails, exports): never_cache keeps it out of
    the browser's history cache and any shared cache (Cache-Control: no-store, private)."""

    def decorator(view):
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user_has_role(request.user, role) for role in roles):
                raise PermissionDenied(f"this page is for the {' or '.join(roles)} role")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasRole(BasePermission):
    role = ""
    message = "your account lacks the role for this endpoint"

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, self.role)


class IsAgent(HasRole):
    role = AGENT
