"""Root URL configuration, plus the console app's own pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from console.views import activity, auth, compute, kms, traces

handler403 = "console.views.auth.error_403"
handler404 = "console.views.auth.error_404"

console_patterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("region/", auth.region_switch, name="region_switch"),
    path("credentials/", auth.credentials, name="credentials"),
    path("messages/", activity.message_list, name="message_list"),
    path("messages/read/", activity.message_mark_read, name="message_mark_read"),
    path("ecs/", compute.server_list, name="server_list"),
    path("ecs/create/", compute.server_create, name="server_create"),
    path("ecs/<uuid:server_id>/stop/", compute.server_stop, name="server_stop"),
    path("ecs/<uuid:server_id>/start/", compute.server_start, name="server_start"),
    path("ecs/<uuid:server_id>/change-os/", compute.server_change_os, name="server_change_os"),
    path("evs/", compute.disk_list, name="disk_list"),
    path("evs/create/", compute.disk_create, name="disk_create"),
    path("kms/", kms.key_list, name="key_list"),
    path("kms/create/", kms.key_create, name="key_create"),
    path("kms/<uuid:key_id>/", kms.key_detail, name="key_detail"),
    path("kms/<uuid:key_id>/state/", kms.key_state, name="key_state"),
    path("kms/<uuid:key_id>/grants/create/", kms.key_grant_create, name="key_grant_create"),
    path(
        "kms/<uuid:key_id>/grants/<uuid:grant_id>/revoke/",
        kms.key_grant_revoke,
        name="key_grant_revoke",
    ),
    path("traces/", traces.trace_list, name="trace_list"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((console_patterns, "console"))),
    path("ims/", include("ims.urls")),
    path("vaults/", include("vaults.urls")),
]
