from django.urls import path

from tinhso.core.ops import views

app_name = "ops"
# No trailing slash: probes are configured by hand, and a redirect would not count as healthy.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    path("metrics", views.metrics_view, name="metrics"),
]
