"""The suite's own log check (tests/log_privacy.py) finds what it looks for, and only that."""

from __future__ import annotations

import logging

from tests.log_privacy import People, SuiteLog, leaks, log_file_leaks


def _people() -> People:
    people = People(accounts=["demo@demo.example"])
    people.note(first_name="Erinna", last_name="Valeworth", phone="+15550107788")
    people.note(first_name="Bo", last_name="Li")
    return people


def test_a_line_naming_a_person_in_any_way_is_found():
    people = _people()
    for line in ("sent to erin@example.org", "call +44 20 7946 0958", "call (555) 010-7788",
                 "call 555.010.7788", "Valeworth came by", "Dear Erinna,"):
        assert people.found_in(line), line


def test_ids_times_short_names_and_shared_accounts_are_not_people():
    people = _people()
    for line in ("login demo@demo.example / demo-pass",
                 "delivery 42 of integration 7 failed after 3 attempts",
                 "2026-12-06 23:41:32 POST /api/v1/clients/club-1/prospects/batch 200",
                 "Bo and Li are too short to tell", "order 155501077889"):
        assert not people.found_in(line), line


def test_every_logger_is_heard_the_applications_at_every_level(tmp_path):
    handler = SuiteLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("integrations.sync").debug("debug of ours")
        logging.getLogger("django-q").info("a worker line")
        logging.getLogger("gunicorn.error").warning("a server line")
        library = logging.getLogger("tests.a_library")
        library.setLevel(logging.DEBUG)
        library.debug("a library's debug")
    finally:
        root.removeHandler(handler)
        library.setLevel(logging.NOTSET)
    assert handler.lines == ["integrations.sync: debug of ours", "django-q: a worker line",
                             "gunicorn.error: a server line"]


def test_log_files_of_started_processes_are_read(tmp_path):
    log = tmp_path / "run" / "qcluster.log"
    log.parent.mkdir()
    log.write_text("ok\nProcessing Erinna Valeworth\n")
    (tmp_path / "notes.txt").write_text("Valeworth")  # not a log file
    try:
        [found] = log_file_leaks(tmp_path, _people())
    finally:
        log.unlink()  # the suite's own check reads the run's temporary files too
    assert found.startswith("run/qcluster.log: 'Erinna' in")
    assert leaks(["fine"], _people(), "log") == []
