from django.urls import path

from mesotrace.inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.lot_list, name="lot_list"),
    path("near-expiry/", views.near_expiry_list, name="near_expiry"),
    path("low-stock/", views.low_stock_list, name="low_stock"),
    path("lots/new/", views.receive, name="receive"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:lot_id>/movements/", views.lot_movement, name="lot_movement"),
    path("lots/<int:lot_id>/status/", views.lot_status, name="lot_status"),
    path("recalls/", views.campaign_list, name="campaign_list"),
    path("recalls/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("recalls/<int:campaign_id>/export.csv", views.campaign_export, name="campaign_export"),
    path("recalls/<int:campaign_id>/close/", views.campaign_close, name="campaign_close"),
    path("contacts/<int:contact_id>/", views.contact_record, name="contact_record"),
]
