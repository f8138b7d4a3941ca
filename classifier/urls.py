from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from classifier import accounts, enrolment, model_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("predictions/", views.history, name="history"),
    re_path(r"^predictions/export\.(?P<fmt>csv|json)$", views.history_export, name="export"),
    path("predictions/<uuid:pk>/", views.detail, name="detail"),
    path("predictions/<uuid:pk>/delete/", views.delete, name="delete"),
    path("athletes/", enrolment.athletes, name="athletes"),
    path("athletes/<slug:label>/", views.athlete, name="athlete"),
    path("athletes/<slug:label>/examples/", enrolment.enrol, name="enrol"),
    path("examples/<int:pk>/choose/", enrolment.choose_face, name="choose_face"),
    path("examples/<int:pk>/remove/", enrolment.remove_example, name="remove_example"),
    path("faces/<int:pk>/example/", enrolment.face_to_example, name="face_to_example"),
    path("models/", model_pages.model_versions, name="model_versions"),
    path("models/train/", model_pages.train, name="train"),
    path("models/rollback/", model_pages.rollback, name="rollback"),
    path("models/<str:version>/activate/", model_pages.activate, name="activate"),
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
