"""Match two staff exports with the production matching core; prints CSV, touches no data."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from mappings.matching.staff import match_staff
from mappings.records_csv import RecordsFileError, roster_read

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
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(OUTPUT)
        for d in match_staff(directory=directory, remote=remote):
            score = "" if d.score is None else f"{d.score:.2f}"
            writer.writerow([d.remote_id, d.status, d.person_id or "", score, d.reason])
