from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponse
from django.shortcuts import redirect, render


def home(request):
    return render(request, "web/home.html")


def login_view(request):
    error = None
    if request.method == "POST":
        user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
        if user is not None:
            login(request, user)
            return redirect("web:workspace")
        error = "Sai tên đăng nhập hoặc mật khẩu."
    return render(request, "web/login.html", {"error": error})


def logout_view(request):
    logout(request)
    return redirect("web:home")


def workspace(request):
    if not request.user.is_authenticated:
        return redirect("web:login")
    return render(request, "web/workspace.html")


def login_locked_out(request, credentials, *args, **kwargs):
    return HttpResponse("Tạm khoá đăng nhập do nhập sai nhiều lần.", status=429)
