"""GeoReport v2 at ``/open311/v2/``: each resource in ``.json`` and ``.xml`` (docs/open311.md).

Any other address under the endpoint answers a 404 in the spec's error format.
"""

from django.urls import path, register_converter

from tinhso.feedback.open311 import views

app_name = "open311"


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

urlpatterns = [
    path("", views.root, name="root"),
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.service_list, name="services"),
    path("services/<str:service_code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<open311fmt:fmt>", views.service_requests, name="requests"),
    path("requests/<str:service_request_id>.<open311fmt:fmt>", views.service_request, name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.token, name="token"),
    path("<path:path>", views.unknown, name="unknown"),
]
