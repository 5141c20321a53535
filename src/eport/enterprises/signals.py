"""What an enterprise's network entry tells the apps above enterprises, which it may not import
(docs/architecture.md, Layers). Django signals, sent inside the approval's transaction: a receiver's
exception undoes the approval. The receivers connect in their AppConfig.ready (operators/receivers.py).
Keyword argument of both: `enterprise`."""

from django.dispatch import Signal

# Its 三证合一 entry is about to be approved: lock now the rows the approval will change, before the engine
# writes its first audit row (that row holds the audit chain's head to the commit; `Kind.prelock`).
entering_network = Signal()
# It entered the network: the entry approved, the master record written (same transaction).
entered_network = Signal()
