app_name = "reading"

urlpatterns: list = []
