from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "brug.demo"
    label = "demo"
    verbose_name = "Demo data"
