from django.apps import AppConfig


class ThrottlesConfig(AppConfig):
    name = "eport.throttles"
    verbose_name = "限流"
