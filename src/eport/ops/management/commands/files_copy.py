from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Copy the business files of the local directory ($EPORT_DATA_DIR/files/) into the bucket that "
        "EPORT_STORAGE=s3 names, under the same names (the ones the database holds). Safe to run again: "
        "an object already there with the same size is left alone, one with another size is never "
        "overwritten (the command names it and fails)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="source", default=str(settings.MEDIA_ROOT), help="the local folder"
        )

    def handle(self, *args, source: str, **options):
        target = storages["default"]
        if isinstance(target, FileSystemStorage):
            raise CommandError("set EPORT_STORAGE=s3 and its EPORT_S3_* first: the files go to that bucket")
        root = Path(source)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder")
        copied, there, differ = 0, 0, []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            if target.exists(name):
                if target.size(name) == path.stat().st_size:
                    there += 1
                else:
                    differ.append(name)
                continue
            with path.open("rb") as fh:
                saved = target.save(name, File(fh, name=name))
            assert saved == name, "the name is free (exists above): the storage keeps it"
            copied += 1
        self.stdout.write(f"{copied} copied, {there} already there, {len(differ)} different")
        if differ:
            raise CommandError(
                "in the bucket with other contents, left as they are: " + ", ".join(differ[:20])
            )
