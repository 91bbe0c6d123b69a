"""Routes used only by the ops tests (ROOT_URLCONF is switched to this module where needed)."""

from django.http import HttpResponse
from django.urls import path

from tinhso.core.ops import views


def boom(request):
    raise RuntimeError("the view failed for citizen 001099012345")


def item(request, pk):
    return HttpResponse(f"item {pk}")


def own_policy(request):
    response = HttpResponse("framed")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


urlpatterns = [
    path("boom/", boom),
    path("items/<int:pk>/", item),
    path("own-policy/", own_policy),
    path("metrics", views.metrics_view),
    path("healthz", views.healthz),
]
