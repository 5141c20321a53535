from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eport.mail.models import Outbox, OutboxState


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("id", "subject", "state", "attempts", "created_at", "sent_at", "last_error")
    list_filter = ("state",)
    search_fields = ("subject",)
    readonly_fields = [f.name for f in Outbox._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送所选的失败邮件"))
    def retry(self, request, queryset):
        # Back to pending from the start; the sweep (or `eport mail-sweep`) sends them within a minute.
        n = queryset.filter(state=OutboxState.FAILED).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, _("%(n)d封邮件将重新发送。") % {"n": n})
