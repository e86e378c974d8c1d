"""Match two staff exports with the production matching core; prints CSV, touches no data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mappings.matching.staff import match_staff
from mappings.records_csv import RecordsFileError, decisions_write, roster_read

OUTPUT = ("remote_external_id", "status", "directory_external_id", "score", "reason")


class Command(BaseCommand):
    help = (
        "Match REMOTE.csv against DIRECTORY.csv (columns external_id,first_name,last_name,"
        "email,active) and print remote_external_id,status,directory_external_id,score,reason."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIRECTORY.csv")
        parser.add_argument("remote", metavar="REMOTE.csv")

    def handle(self, *args, **options):
        try:
            directory = roster_read(options["directory"])
            remote = roster_read(options["remote"])
        except RecordsFileError as exc:
            raise CommandError(str(exc)) from exc
        decisions = match_staff(directory=directory, remote=remote)
        rows = ((d.remote_id, d.status, d.person_id, d.score, d.reason) for d in decisions)
        decisions_write(self.stdout, OUTPUT, rows)
