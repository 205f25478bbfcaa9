"""Messages and Cloud Trace Service URLs."""

from django.urls import path

from console.audit import views

app_name = "audit"

urlpatterns = [
    path("messages/", views.message_list, name="message_list"),
    path("messages/read/", views.message_mark_read, name="message_mark_read"),
    path("traces/", views.trace_list, name="trace_list"),
    path("traces/<int:trace_id>/", views.trace_detail, name="trace_detail"),
]
