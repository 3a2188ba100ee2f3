from django.urls import path

from linli.registry import import_views, views

app_name = "registry"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/search/", views.resident_search, name="resident_search"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/export.xlsx", import_views.resident_export, name="resident_export"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/<str:field>/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/tags/", views.tag_add, name="tag_add"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("tags/<int:pk>/end/", views.tag_end, name="tag_end"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("import/", import_views.import_upload, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<str:token>/", import_views.import_preview, name="import_preview"),
    path("import/<str:token>/errors.xlsx", import_views.import_errors, name="import_errors"),
]
