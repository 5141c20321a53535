import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication

from eport.ops.bootstrap import bootstrap
from eport.throttles.hashing import default_slots


class Command(BaseCommand):
    help = "Migrate, load reference data when missing, then serve with gunicorn (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("EPORT_WORKERS", "3")))

    def handle(self, *args, host, port, workers, **options):
        bootstrap(self.stdout)
        if not os.environ.get("EPORT_ARGON2_SLOTS"):
            settings.ARGON2_SLOTS = default_slots(workers)  # the workers inherit it
        # gunicorn forks the workers from this process: a database connection opened by the bootstrap
        # would be inherited by all of them and used by several at once (crossed answers, hangs).
        connections.close_all()
        # Here: importing it builds the WSGI application (middleware and all), needed only once serving.
        from eport.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)
                # gunicorn's default control socket is one per user (~/.gunicorn/gunicorn.ctl): a second
                # instance would take it over. Each instance's own lives in its data dir (0700).
                self.cfg.set("control_socket", str(settings.DATA_DIR / "gunicorn.ctl"))

            def load(self):
                return application

        self.stdout.write(f"E-Port identity authentication system: open http://{host}:{port}/")
        self.stdout.flush()
        Server().run()
