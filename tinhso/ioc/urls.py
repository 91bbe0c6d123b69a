from django.urls import path

from tinhso.ioc import views, views_alerts

app_name = "ioc"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("man-hinh/", views.wall, name="wall"),
    path("su-kien/", views.stream, name="stream"),
    path("khung/chi-so/", views.tiles, name="tiles"),
    path("khung/bieu-do/", views.chart, name="chart"),
    path("khung/xep-hang/", views.rankings, name="rankings"),
    path("khung/phan-tich/", views.breakdown, name="breakdown"),
    path("khung/dia-ban/", views.units, name="units"),
    path("khung/canh-bao/", views.alerts, name="alerts"),
    path("canh-bao/<int:alert_id>/tiep-nhan/", views.acknowledge_alert, name="acknowledge_alert"),
    path("khung/loi-vao/", views.nav_card, name="nav_card"),
    path("quy-tac-canh-bao/", views_alerts.rules, name="rules"),
    path("quy-tac-canh-bao/<slug:code>/", views_alerts.rule_update, name="rule_update"),
    path("canh-bao/", views_alerts.alerts_history, name="alerts_history"),
    path("canh-bao/<int:alert_id>/", views_alerts.alert_detail, name="alert_detail"),
    path(
        "canh-bao/<int:alert_id>/tiep-nhan-tai-trang/",
        views_alerts.acknowledge_from_detail,
        name="acknowledge_from_detail",
    ),
]
