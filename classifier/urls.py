from django.urls import path

from classifier import views

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("predictions/", views.history, name="history"),
    path("predictions/<uuid:pk>/", views.detail, name="detail"),
    path("predictions/<uuid:pk>/delete/", views.delete, name="delete"),
    path("predictions/<uuid:pk>/retry/", views.retry, name="retry"),
    path("healthz/", views.healthz, name="healthz"),
]
