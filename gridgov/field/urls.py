from django.urls import path

from gridgov.field import views

urlpatterns = [
    path("m/", views.today, name="field_today"),
    path("m/report/", views.report, name="field_report"),
    path("m/visit/", views.visit, name="field_visit"),
    path("m/inspect/", views.inspect, name="field_inspect"),
    path("m/history/", views.history, name="field_history"),
    path("m/manifest.webmanifest", views.manifest, name="field_manifest"),
    path("m/sw.js", views.service_worker, name="field_service_worker"),
    path("field/patrols/", views.patrols, name="field_patrols"),
    path("field/patrols/<int:patrol_id>/", views.patrol_detail, name="field_patrol"),
    path("field/indicators/", views.indicators, name="field_indicators"),
    path("field/inspections/", views.inspection_list, name="field_inspections"),
    path(
        "field/inspections/<int:inspection_id>/", views.inspection_detail, name="field_inspection"
    ),
    path(
        "field/inspections/<int:inspection_id>/photos/<int:photo_id>",
        views.inspection_photo, name="field_inspection_photo",
    ),
    path("field/checklists/", views.manage_checklists, name="field_manage_checklists"),
    path("field/checklists/item/", views.manage_checklist_item, name="field_manage_checklist_item"),
    path("field/checklists/kind/", views.manage_checklist_kind, name="field_manage_checklist_kind"),
    path("field/checklists/interval/", views.manage_checklist_interval, name="field_manage_checklist_interval"),
    path("field/attendance/", views.manage_attendance, name="field_manage_attendance"),
]
