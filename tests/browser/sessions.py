"""A browser context already signed in as an account (its session cookie made by Django's test client), for
journeys where several people act at once without going through the sign-in screens each time."""

from django.conf import settings
from django.test import Client

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def signed_in(browser, base: str, user, viewport: dict = PHONE):
    """(context, page) of a new browser context signed in as `user` at `base`."""
    ctx = browser.new_context(locale="zh-CN", viewport=viewport)
    ctx.set_default_timeout(10000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return ctx, ctx.new_page()
