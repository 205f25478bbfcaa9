"""Root URL configuration: wires every service's app in; the console core's own pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from console import views
from console.iam.api import api as iam_api

handler400 = "console.views.error_400"
handler403 = "console.views.error_403"
handler404 = "console.views.error_404"

console_patterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("region/", views.region_switch, name="region_switch"),
    path("preferences/", views.preferences, name="preferences"),
    path("credentials/", views.credentials, name="credentials"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((console_patterns, "console"))),
    path("", include("console.audit.urls")),
    path("kms/", include("console.kms.urls")),
    path("vaults/", include("vaults.urls")),
    path("ims/", include("ims.urls")),
    path("", include("console.compute.urls")),
    path("iam/", include("console.iam.urls")),
    path("api/iam/", iam_api.urls),
    path("api/ims", include("ims.api.urls")),
    path("demo/", include("console.demo.urls")),
]
