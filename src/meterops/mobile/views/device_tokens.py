"""The admin's page of device tokens: who is logged in on which phone, and revoking a token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.api import services
from meterops.core.errors import DomainError
from meterops.core.services import require_role


@login_required
def token_list(request):
    require_role(request.user, services.TOKEN_ADMIN_ROLES)
    tokens = services.tokens_for(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        tokens = tokens.filter(user__username__icontains=q)
    if request.GET.get("status") != "all":
        tokens = tokens.filter(revoked_at__isnull=True)
    page = Paginator(tokens, 50).get_page(request.GET.get("page"))
    return render(request, "mobile/token_list.html", {"page": page, "q": q})


@require_POST
@login_required
def token_revoke(request, pk):
    require_role(request.user, services.TOKEN_ADMIN_ROLES)
    token = get_object_or_404(services.tokens_for(request.user), pk=pk)
    try:
        services.revoke_token(token=token, actor=request.user)
        messages.success(
            request,
            _("Token %(hint)s… milik %(user)s dicabut.")
            % {"hint": token.hint, "user": token.user.username},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("mobile:token_list")
