"""Match two people exports with the production matching core; prints CSV, touches no data."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mappings.matching.people import match_people
from mappings.records_csv import RecordsFileError, decisions_write, people_read

OUTPUT = ("incoming_external_id", "status", "existing_external_id", "score", "reason")


class Command(BaseCommand):
    help = (
        "Match INCOMING.csv against EXISTING.csv (columns external_id,first_name,last_name,"
        "email,phone,birth_date; any but external_id may be empty) and print "
        "incoming_external_id,status,existing_external_id,score,reason: status matched, "
        "needs_review or new; existing_external_id the match or the top candidate."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("existing", metavar="EXISTING.csv")
        parser.add_argument("incoming", metavar="INCOMING.csv")
        parser.add_argument(
            "--region",
            default=None,
            help="Where national phone numbers are read (default: CONNECTOR_DEFAULT_PHONE_REGION).",
        )

    def handle(self, *args, **options):
        try:
            existing = people_read(options["existing"])
            incoming = people_read(options["incoming"])
        except RecordsFileError as exc:
            raise CommandError(str(exc)) from exc
        region = (options["region"] or settings.CONNECTOR_DEFAULT_PHONE_REGION).upper()
        decisions = match_people(existing=existing, incoming=incoming, region=region)
        rows = ((d.incoming_id, d.status, d.existing_id, d.score, d.reason) for d in decisions)
        decisions_write(self.stdout, OUTPUT, rows)
