from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    CREDENTIAL = "credential", "凭据错误"  # a wrong password, card PIN or card proof
    REGISTER = "register", "注册"


class Attempt(models.Model):
    """一次计数: a refused credential, or a registration, from one client address at one time.

    What the throttles count. `ip` is the client address as the throttles key it (an IPv6 client by
    its /64), `account` the account tried ("user:<username>", "card:<card no>"; empty for a registration).
    Rows older than the longest window are pruned as new ones are written.
    """

    scope = models.CharField(max_length=16, choices=Scope.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    account = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["scope", "ip", "at"], name="throttle_scope_ip_at"),
            models.Index(fields=["account", "ip", "at"], name="throttle_account_ip_at"),
        ]

    def __str__(self):
        return f"{self.scope} {self.account or '-'} {self.ip} {self.at:%Y-%m-%d %H:%M:%S}"
