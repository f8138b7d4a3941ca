from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from classifier.pages import (
    accounts,
    athletes,
    events,
    imports,
    model_versions,
    people,
    photos,
    staff,
)
from classifier.web.health import healthz

urlpatterns = [
    path("", photos.home, name="home"),
    path("upload/", photos.upload, name="upload"),
    path("predictions/", photos.history, name="history"),
    re_path(r"^predictions/export\.(?P<fmt>csv|json)$", photos.history_export, name="export"),
    path("predictions/<uuid:pk>/", photos.detail, name="detail"),
    path("predictions/<uuid:pk>/delete/", photos.delete, name="delete"),
    path("athletes/", athletes.athletes, name="athletes"),
    path("imports/", imports.import_roster, name="import_roster"),
    path("imports/<int:pk>/", imports.roster_import, name="roster_import"),
    path("events/", events.events, name="events"),
    path("events/new/", events.new_event, name="new_event"),
    path("events/<int:pk>/", events.edit_event, name="event"),
    path("teams/new/", events.new_team, name="new_team"),
    path("teams/<int:pk>/", events.edit_team, name="team"),
    path("athletes/<slug:label>/", athletes.athlete, name="athlete"),
    path("athletes/<slug:label>/examples/", athletes.enrol, name="enrol"),
    path("examples/<int:pk>/choose/", athletes.choose_face, name="choose_face"),
    path("examples/<int:pk>/remove/", athletes.remove_example, name="remove_example"),
    path("faces/<int:pk>/example/", athletes.face_to_example, name="face_to_example"),
    path("models/", model_versions.model_versions, name="model_versions"),
    path("models/train/", model_versions.train, name="train"),
    path("models/rollback/", model_versions.rollback, name="rollback"),
    path("models/<str:version>/activate/", model_versions.activate, name="activate"),
    path("predictions/<uuid:pk>/retry/", photos.retry, name="retry"),
    path("review/", staff.review_queue, name="review_queue"),
    path("people/", people.people_page, name="people"),
    path("faces/<int:pk>/more-photos/", people.more_photos_page, name="more_photos"),
    path("healthz/", healthz, name="healthz"),
    path("accounts/signup/", accounts.sign_up, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
