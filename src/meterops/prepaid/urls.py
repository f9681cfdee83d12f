app_name = "prepaid"

urlpatterns: list = []
