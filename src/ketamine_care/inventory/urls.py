from django.urls import path

from ketamine_care.inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("draw/", views.draw, name="draw"),
    path("waste/", views.waste, name="waste"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("adjust/", views.adjust, name="adjust"),
    path("count/", views.count, name="count"),
    path("products/add/", views.add_product, name="add_product"),
    path("lots/<uuid:lot_id>/", views.lot_history, name="lot"),
    path("entries/<uuid:entry_id>/correct/", views.correct, name="correct"),
    path(
        "discrepancies/<uuid:discrepancy_id>/resolve/",
        views.resolve,
        name="resolve",
    ),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv_view, name="report_csv"),
]
