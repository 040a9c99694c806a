from django.urls import path

from gridgov.analysis import views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="analysis_dashboard"),
    path("analysis/", views.analysis_page, name="analysis"),
    path("analysis/export/<slug:key>.xlsx", views.analysis_export, name="analysis_export"),
    path("assessment/", views.assessment_page, name="analysis_assessment"),
    path("assessment/publish/", views.assessment_publish, name="analysis_assessment_publish"),
    path("assessment/weights/", views.weights_page, name="analysis_weights"),
]
