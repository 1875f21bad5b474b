"""View decorators: sign-in plus a clinic membership, and a capability check."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from ketamine_care.accounts.permissions import require


def clinic_required(capability=None):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                raise Http404("You have no clinic membership.")
            if capability is not None:
                require(request.membership, capability)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
