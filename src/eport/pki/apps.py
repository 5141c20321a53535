from django.apps import AppConfig

from .ca import CheckpointAuthority


class PkiConfig(AppConfig):
    name = "eport.pki"
    verbose_name = "PKI"

    def ready(self):
        # Here, not at the top: audit.checkpoints imports models, which load only once the apps are ready.
        from eport.audit import checkpoints

        checkpoints.use_authority(CheckpointAuthority())  # the audit's checkpoints are signed by the CA
