from django.urls import path

from tinhso.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-nhap/xac-thuc/", views.login_otp, name="login_otp"),
    path("dang-nhap/dang-ky-xac-thuc/", views.enroll_otp, name="enroll_otp"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("dang-ky/", views.register, name="register"),
    path("lam-viec/", views.workspace, name="workspace"),
    path("tai-khoan/", views.account, name="account"),
]
