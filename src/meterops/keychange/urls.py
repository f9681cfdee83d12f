app_name = "keychange"

urlpatterns: list = []
