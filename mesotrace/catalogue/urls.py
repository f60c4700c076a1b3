from django.urls import path

from mesotrace.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.home, name="home"),
    path("compounds/new/", views.compound_create, name="compound_create"),
    path("compounds/<int:compound_id>/", views.compound_detail, name="compound_detail"),
    path("compounds/<int:compound_id>/edit/", views.compound_edit, name="compound_edit"),
    path("compounds/<int:compound_id>/clone/", views.compound_clone, name="compound_clone"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/clone/", views.product_clone, name="product_clone"),
    path("indications/", views.indication_list, name="indication_list"),
    path("indications/new/", views.indication_create, name="indication_create"),
    path("indications/<int:indication_id>/", views.indication_detail, name="indication_detail"),
    path("indications/<int:indication_id>/edit/", views.indication_edit, name="indication_edit"),
    path("indications/<int:indication_id>/clone/", views.indication_clone, name="indication_clone"),
    path("protocols/", views.protocol_list, name="protocol_list"),
    path("protocols/new/", views.protocol_create, name="protocol_create"),
    path("protocols/<int:protocol_id>/", views.protocol_detail, name="protocol_detail"),
    path("protocols/<int:protocol_id>/edit/", views.protocol_edit, name="protocol_edit"),
    path("protocols/<int:protocol_id>/clone/", views.protocol_clone, name="protocol_clone"),
    path("sources/new/", views.source_create, name="source_create"),
    path("rules/", views.rule_list, name="rule_list"),
]
