import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from eport.ops.bootstrap import bootstrap
from eport.throttles.hashing import default_slots

# The production servers `eport serve` can run, measured against each other with bench/bench_cards.py
# (docs/benchmarks.md, "Which server"): gunicorn's sync workers, its threaded workers, granian's WSGI. Sync
# stayed the default: as fast on sign-ins, faster at card making, the lowest tail latency (CPU-bound work).
SERVERS = ("sync", "gthread", "granian")
DEFAULT_SERVER = "sync"


class Command(BaseCommand):
    help = "Migrate, load reference data when missing, then serve with a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("EPORT_WORKERS", "3")))
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default=os.environ.get("EPORT_SERVER", DEFAULT_SERVER),
            help=f"sync or gthread (gunicorn's workers), granian (default {DEFAULT_SERVER}; EPORT_SERVER)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("EPORT_THREADS", "4")),
            help="threads per worker for gthread and granian (default 4; EPORT_THREADS)",
        )

    def handle(self, *args, host, port, workers, server, threads, **options):
        if server not in SERVERS:
            raise CommandError(f"EPORT_SERVER / --server: one of {', '.join(SERVERS)}, not {server!r}")
        bootstrap(self.stdout)
        if not os.environ.get("EPORT_ARGON2_SLOTS"):
            settings.ARGON2_SLOTS = default_slots(workers)  # the workers inherit it
            os.environ["EPORT_ARGON2_SLOTS"] = str(
                settings.ARGON2_SLOTS
            )  # granian's workers read settings anew
        # The servers fork (or spawn) the workers from this process: a database connection opened by the
        # bootstrap would be inherited by all of them and used by several at once (crossed answers, hangs).
        connections.close_all()
        self.stdout.write(f"E-Port identity authentication system: open http://{host}:{port}/ ({server})")
        self.stdout.flush()
        if server == "granian":
            self._granian(host, port, workers, threads)
        else:
            self._gunicorn(host, port, workers, threads if server == "gthread" else 1)

    def _gunicorn(self, host: str, port: int, workers: int, threads: int) -> None:
        from gunicorn.app.base import BaseApplication

        # Here: importing it builds the WSGI application (middleware and all), needed only once serving.
        from eport.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                if threads > 1:
                    self.cfg.set("worker_class", "gthread")
                    self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)
                # gunicorn's default control socket is one per user (~/.gunicorn/gunicorn.ctl): a second
                # instance would take it over. Each instance's own lives in its data dir (0700).
                self.cfg.set("control_socket", str(settings.DATA_DIR / "gunicorn.ctl"))

            def load(self):
                return application

        Server().run()

    def _granian(self, host: str, port: int, workers: int, threads: int) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "eport.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            log_access=True,
            respawn_failed_workers=True,  # as gunicorn's arbiter does: a worker that dies is replaced
        ).serve()
