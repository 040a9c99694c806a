from django.urls import path

from gridgov.api.app import api

urlpatterns = [path("", api.urls)]
