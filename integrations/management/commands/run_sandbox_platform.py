"""Serve the sandbox platform (the generic REST contract) on 127.0.0.1 until interrupted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.sandbox import Faults, SandboxServer, SandboxStore, load_staff_csv


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"must be a number from 1 to 65535, not {value!r}")
    return int(value)


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be from 0.0 to 1.0, not {value!r}")
    return rate


def _positive(kind: type = float):
    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            number = -1
        if number < 0:
            raise argparse.ArgumentTypeError(f"must be a number of 0 or more, not {value!r}")
        return number

    return parse


class Command(BaseCommand):
    help = "Serve the sandbox platform (generic REST contract) on 127.0.0.1 with optional faults."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> None:
            sys.stderr.write(f"run_sandbox_platform: error: {message}\n")
            sys.exit(2)

        parser.error = one_line_error  # type: ignore[method-assign]  # one line, not the usage
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=_port, required=True)
        parser.add_argument("--token", required=True, help="the Bearer token clients must send")
        parser.add_argument(
            "--staff",
            metavar="FILE.csv",
            help="staff CSV: external_id,first_name,last_name,email,active",
        )
        parser.add_argument("--lead-sources", default="", metavar='"A,B"')
        parser.add_argument("--no-create-lead-sources", action="store_true")
        parser.add_argument("--fail-rate", type=_rate, default=0.0)
        parser.add_argument("--rate-limit", type=_positive(), default=0.0, metavar="N_PER_S")
        parser.add_argument("--latency-ms", type=_positive(int), default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["token"].strip():
            raise CommandError("--token must not be empty")
        staff = self._staff(options["staff"])
        sources = [s.strip() for s in options["lead_sources"].split(",") if s.strip()]
        faults = Faults(
            fail_rate=options["fail_rate"],
            rate_limit=options["rate_limit"],
            latency_ms=options["latency_ms"],
            can_create_lead_sources=not options["no_create_lead_sources"],
        )
        try:
            server = SandboxServer(
                token=options["token"],
                store=SandboxStore(staff=staff, lead_sources=sources),
                faults=faults,
                port=options["port"],
                verbose=options["verbosity"] >= 1,
            )
        except OSError as exc:
            raise CommandError(
                f"cannot serve on 127.0.0.1:{options['port']}: {exc.strerror}"
            ) from None
        self.stdout.write(
            f"Sandbox platform at {server.base_url} ({len(staff)} staff, {len(sources)} lead "
            "sources). Ctrl-C stops."
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()

    def _staff(self, path: str | None) -> list[dict[str, Any]]:
        if not path:
            return []
        try:
            return load_staff_csv(path)
        except FileNotFoundError:
            raise CommandError(f"--staff: no such file {path}") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"--staff: {exc}") from None
