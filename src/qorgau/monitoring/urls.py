from django.urls import path

from qorgau.monitoring import aggregate_views, risk_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("territory/<int:pk>/", views.dashboard, name="territory"),
    path("indicator/<slug:code>/", views.indicator_detail, name="indicator"),
    path("chart/<slug:code>/<str:kind>.<str:fmt>", views.chart, name="chart"),
    path("download.<str:fmt>", views.download, name="download"),
    path("open-data/", views.public_statistics, name="public"),
    path("alerts/", views.alert_list, name="alerts"),
    path("risk-accuracy/", risk_views.risk_accuracy_page, name="risk_accuracy"),
    path("reports/", aggregate_views.report_list, name="aggregate_list"),
    path("reports/enter/", aggregate_views.report_edit, name="aggregate_enter"),
    path("reports/upload/", aggregate_views.report_upload, name="aggregate_upload"),
    path("reports/<int:pk>/", aggregate_views.report_detail, name="aggregate_detail"),
    path("reports/<int:pk>/<str:step>/", aggregate_views.report_step, name="aggregate_step"),
]
