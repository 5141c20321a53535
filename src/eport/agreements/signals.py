"""What agreements tell the apps above them, which they may not import (docs/architecture.md, Layers).
Django signals, sent inside the caller's transaction; the receivers connect in their AppConfig.ready."""

from django.dispatch import Signal

# 解约: the enterprise's agreement for the 关区 ended, in its transaction. The delegations in that 关区 end
# with it (delegations/receivers.py). Keyword arguments: `agreement`, `actor`.
agreement_terminated = Signal()
