"""Console views: login, region switch, My Credentials and error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from console.decorators import project_required
from console.forms import LoginForm, PreferencesForm, RegionSwitchForm
from console.htmx import safe_next
from console.middleware import REGION_SESSION_KEY
from console.models import Tenant, User
from console.screening import too_large_page
from console.security import demo_password_works
from console.services import preferences_set

DEMO_PASSWORD = "console-demo"
DEMO_PERSONAS = [
    ("alice", "Acme Images", gettext_lazy("Administrator — shares images")),
    ("bob", "Beta Apps", gettext_lazy("Administrator — receives images")),
    ("bea", "Beta Apps", gettext_lazy("Read-only — may only look")),
    ("carol", "Gamma Labs", gettext_lazy("Administrator — a fresh recipient")),
    ("admin", "admin", gettext_lazy("Operator — Django administration")),
]
# The account name the last login on this browser used, offered again as the real console does.
ACCOUNT_COOKIE = "console_account"
ACCOUNT_COOKIE_AGE = 365 * 24 * 3600


def demo_personas() -> list[dict[str, str]]:
    """The demo personas whose demo password still works, on a demo install only."""
    if not settings.DEMO or not Tenant.objects.filter(name="Acme Images").exists():
        return []
    users = User.objects.filter(
        username__in=[p[0] for p in DEMO_PERSONAS], is_active=True
    ).values_list("username", "password")
    usable = {u for u, encoded in users if demo_password_works(u, encoded, DEMO_PASSWORD)}
    return [{"username": u, "account": a, "role": r} for u, a, r in DEMO_PERSONAS if u in usable]


class LoginView(auth_views.LoginView):
    """Log in; on a demo install the page offers a one-click login per persona."""

    template_name = "console/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_initial(self) -> dict[str, object]:
        """The account name this browser logged in with last."""
        return {"account": self.request.COOKIES.get(ACCOUNT_COOKIE, "")[:150]}

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        """Add the demo personas."""
        context = super().get_context_data(**kwargs)
        context["personas"] = demo_personas()
        context["demo_password"] = DEMO_PASSWORD if context["personas"] else ""
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:
        """Log in and remember the account name for the next login on this browser."""
        response = super().form_valid(form)
        response.set_cookie(
            ACCOUNT_COOKIE,
            form.cleaned_data["account"],
            max_age=ACCOUNT_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=self.request.is_secure(),
        )
        return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Send visitors to the images console."""
    return redirect("ims:shared_images")


@login_required
@require_POST
def region_switch(request: HttpRequest) -> HttpResponse:
    """Switch the current region; the page reloads in that region's project."""
    form = RegionSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Unknown region."))
    code = form.cleaned_data["region"]
    if not any(p.region.code == code for p in request.projects):
        # A region where the tenant has no project does not exist for this user.
        raise Http404(_("Your account has no project in this region."))
    request.session[REGION_SESSION_KEY] = code
    target = safe_next(request, form.cleaned_data["next"], reverse("ims:shared_images"))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Switch the language (header) or time zone (user menu), then show the same page again.

    The language is kept in a cookie for everyone and on the user when logged in; the time
    zone only on the user.
    """
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"form": form}, status=400)
    language = form.cleaned_data["language"] or None
    time_zone = form.cleaned_data["time_zone"] or None
    if request.user.is_authenticated and (language or time_zone):
        preferences_set(user=request.user, language=language, time_zone=time_zone)
    response = HttpResponseRedirect(
        safe_next(request, form.cleaned_data["next"], reverse("ims:shared_images"))
    )
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@project_required
@require_safe
def credentials(request: HttpRequest) -> HttpResponse:
    """My Credentials: the account name and ID and the project ID of every region."""
    return render(
        request,
        "console/credentials.html",
        {"tenant": request.project.tenant, "projects": request.projects},
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The console's 400 page: a malformed request was refused before anything changed."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_page(request)
    reason = str(exception) if exception and str(exception) else ""
    if reason:
        nothing_changed = _("Nothing was changed.")
        reason = f"{reason} {nothing_changed}"
    return render(request, "400.html", {"reason": reason}, status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The console's 403 page, naming why the request was refused."""
    reason = (
        str(exception) if exception and str(exception) else _("You cannot perform this action.")
    )
    return render(request, "403.html", {"reason": reason}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The console's 404 page."""
    return render(request, "404.html", status=404)
