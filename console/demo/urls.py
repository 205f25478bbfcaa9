"""Demo world URLs."""

from django.urls import path

from console.demo import views

app_name = "demo"

urlpatterns = [
    path("reset/", views.reset_world, name="reset"),
]
