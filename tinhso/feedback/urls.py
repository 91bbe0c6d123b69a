"""Pages of citizen field reports, mounted at ``/phan-anh/`` (docs/feedback.md, "Pages")."""

from django.urls import path

from tinhso.feedback.views import citizen, public, workspace

app_name = "feedback"
urlpatterns = [
    # The public: map and list, the markers' data, one report.
    path("", public.browse, name="browse"),
    path("ban-do.json", public.map_data, name="map_data"),
    # Citizens: submit, follow their own reports, confirm or reopen.
    path("gui/", citizen.submit, name="submit"),
    path("cua-toi/", citizen.mine, name="mine"),
    path("cua-toi/<str:public_id>/", citizen.own_detail, name="own_detail"),
    path("cua-toi/<str:public_id>/xac-nhan/", citizen.confirm, name="confirm"),
    path("cua-toi/<str:public_id>/mo-lai/", citizen.reopen, name="reopen"),
    # Officers of the handling agency.
    path("xu-ly/", workspace.inbox, name="inbox"),
    path("xu-ly/<str:public_id>/", workspace.handle, name="handle"),
    path("xu-ly/<str:public_id>/lien-he/", workspace.contact, name="contact"),
    path("xu-ly/<str:public_id>/thao-tac/<str:action>/", workspace.act, name="act"),
    # Last: any other path segment is a report's public id.
    path("<str:public_id>/", public.detail, name="detail"),
]
