"""Pages of the one-stop office, mounted at ``/ho-so/`` (see docs/onestop.md, "Pages")."""

from django.urls import path

from tinhso.dossiers.views import actions, citizen, desk, outbox, public, workspace

app_name = "dossiers"
urlpatterns = [
    # Public tracking: the address in the QR code of the forms (?ma=<code> pre-fills the code).
    path("tra-cuu/", public.track, name="track"),
    # The citizen's portal.
    path("nop/<str:procedure_code>/", citizen.apply, name="apply"),
    path("cua-toi/", citizen.mine, name="mine"),
    path("thong-bao/", outbox.my_notifications, name="my_notifications"),
    # The officers' workspace.
    path("lam-viec/", workspace.inbox, name="inbox"),
    path("lam-viec/tiep-nhan/", workspace.counter, name="counter"),
    path("lam-viec/tim-kiem/", workspace.search, name="search"),
    path("lam-viec/so-theo-doi/", workspace.book, name="book"),
    path("lam-viec/thong-ke/", workspace.stats, name="stats"),
    path("lam-viec/thong-ke/xuat.xlsx", workspace.stats_xlsx, name="stats_xlsx"),
    path("lam-viec/hop-thu-di/", outbox.workspace_outbox, name="outbox"),
    path("lam-viec/hop-thu-di/<int:notification_id>/gui-lai/", outbox.resend, name="outbox_resend"),
    path("lam-viec/<str:code>/", workspace.detail, name="work_detail"),
    path("lam-viec/<str:code>/thao-tac/<str:action>/", actions.act, name="act"),
    path("lam-viec/<str:code>/phan-cong/", desk.assign, name="assign"),
    path("lam-viec/<str:code>/bo-sung-tai-quay/", desk.supplement_at_desk, name="desk_supplement"),
    path("lam-viec/<str:code>/them-giay-to/", desk.add_documents_at_desk, name="desk_documents"),
    path("lam-viec/<str:code>/tep/<uuid:file_id>/", workspace.file_download, name="work_file"),
    path("lam-viec/<str:code>/mau-<int:number>.pdf", workspace.form_pdf, name="work_form"),
    # One dossier, for its applicant.
    path("<str:code>/", citizen.detail, name="detail"),
    path("<str:code>/bo-sung/", citizen.supplement, name="supplement"),
    path("<str:code>/thanh-toan/", citizen.pay, name="pay"),
    path("<str:code>/rut/", citizen.withdraw, name="withdraw"),
    path("<str:code>/danh-gia/", citizen.rate, name="rate"),
    path("<str:code>/tep/<uuid:file_id>/", citizen.file_download, name="file"),
    path("<str:code>/mau-<int:number>.pdf", citizen.form_pdf, name="form"),
]
