from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from classifier import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("predictions/", views.history, name="history"),
    re_path(r"^predictions/export\.(?P<fmt>csv|json)$", views.history_export, name="export"),
    path("predictions/<uuid:pk>/", views.detail, name="detail"),
    path("predictions/<uuid:pk>/delete/", views.delete, name="delete"),
    path("athletes/<slug:label>/", views.athlete, name="athlete"),
    path("predictions/<uuid:pk>/retry/", views.retry, name="retry"),
    path("review/", views.review_queue, name="review_queue"),
    path("people/", views.people_page, name="people"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/signup/", accounts.sign_up, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
