from django.urls import path

from . import views
from .registry import TEMPLATES

app_name = "imports"
urlpatterns = [
    path("", views.upload_list, name="upload_list"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/progress/", views.upload_progress, name="upload_progress"),
    path("uploads/<int:pk>/apply/", views.upload_apply, name="upload_apply"),
    path("uploads/<int:pk>/errors.xlsx", views.upload_errors, name="upload_errors"),
    path("uploads/<int:pk>/errors/build/", views.upload_errors_build, name="upload_errors_build"),
    path(
        "uploads/<int:pk>/errors/progress/",
        views.upload_errors_progress,
        name="upload_errors_progress",
    ),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("<slug:code>/template.xlsx", views.template_download, name="template_download"),
]
# One named URL per registered template, for its menu entry under Upload.
urlpatterns += [
    path(f"{code}/", views.template_page, {"code": code}, name=template.url_name)
    for code, template in TEMPLATES.items()
]
