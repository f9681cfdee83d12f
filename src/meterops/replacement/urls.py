app_name = "replacement"

urlpatterns: list = []
