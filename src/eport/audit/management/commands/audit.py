from django.core.management.base import BaseCommand, CommandError

from eport.audit import checkpoints
from eport.audit.verify import verify


class Command(BaseCommand):
    help = (
        "The tamper-evident audit. `eport audit verify` checks the hash chain and every signed checkpoint "
        "(exit 0 when intact, 1 naming the first row that does not match); `eport audit checkpoint` signs "
        "the chain head now and writes the checkpoint files that are missing."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        v = sub.add_parser("verify", help="check the whole chain and every checkpoint")
        v.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            metavar="DIR",
            help="also check the checkpoint files in DIR (e.g. the copies taken off the machine)",
        )
        v.add_argument("--chunk", type=int, default=5000, help="rows read per query")
        sub.add_parser(
            "checkpoint", help="sign the chain head now; write every checkpoint's files that are missing"
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "checkpoint":
            cp = checkpoints.checkpoint()
            written = checkpoints.write_files(checkpoints.AuditCheckpoint.objects.order_by("id"))
            if cp is None:
                self.stdout.write("the audit is empty: nothing to sign")
            else:
                self.stdout.write(
                    f"checkpoint #{cp.id}: sequence {cp.sequence}, hash {cp.hash}, "
                    f"{written} file pair(s) written to {checkpoints.checkpoint_dir()}"
                )
            return
        report = verify(options["checkpoints"], options["chunk"])
        for problem in report.problems[1:]:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())
