"""`eport worker [--beat]`: a Celery worker of this project (and the beat scheduler with --beat: run it on
one machine only, it sends the schedule's tasks)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a background worker (Celery) for EPORT_BROKER_URL; --beat also runs the daily schedule."

    def add_arguments(self, parser):
        parser.add_argument("--beat", action="store_true", help="also send the scheduled tasks (one machine)")
        parser.add_argument("--concurrency", type=int, default=0, help="worker processes (default: cores)")
        parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
        parser.add_argument("--loglevel", default="info")
        parser.add_argument("--hostname", default="", help="the worker's node name (default eport@HOST)")

    def handle(self, *args, beat, concurrency, pool, loglevel, hostname, **options):
        if not settings.EPORT_BROKER_URL:
            raise CommandError(
                "EPORT_BROKER_URL is not set: without a broker the portal does its background work itself "
                "(docs/operations.md, Background work)"
            )
        from eport.tasks.celery import app

        argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", "--without-gossip", "--without-mingle"]
        argv.append(f"--hostname={hostname or 'eport@%h'}")
        if concurrency:
            argv.append(f"--concurrency={concurrency}")
        if beat:
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            argv += ["--beat", f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}"]
        app.worker_main(argv)
