"""The staff matching core: every rule of product.md §3 and every trap, without a database."""

from __future__ import annotations

from mappings.matching.names import fold, name_parts
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, NO_COUNTERPART, UNMATCHED, Fixed
from mappings.matching.staff import Staff, match_staff


def decide(directory, remote, fixed=()):
    return {d.remote_id: d for d in match_staff(directory=directory, remote=remote, fixed=fixed)}


def test_same_email_trimmed_and_case_insensitive_matches_automatically():
    out = decide(
        [Staff(1, "Anna", "Berg", "anna@club.se")], [Staff("a", "A", "B", " ANNA@Club.se ")]
    )
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (MATCHED, 1, "email")
    assert out["a"].score == 1.0
    assert out["a"].reason == "same email"


def test_shared_email_never_matches_automatically():
    directory = [
        Staff(1, "Anna", "Berg", "desk@club.se"),
        Staff(2, "Carl", "Dahl", "desk@club.se"),
    ]
    out = decide(directory, [Staff("a", "", "", "desk@club.se")])
    assert out["a"].status == NEEDS_REVIEW
    assert "shared email" in out["a"].reason


def test_shared_email_on_the_remote_side_falls_back_to_the_name():
    directory = [Staff(1, "Anna", "Berg", "desk@club.se"), Staff(2, "Carl", "Dahl", "c@club.se")]
    remote = [Staff("a", "Anna", "Berg", "desk@club.se"), Staff("b", "Eva", "Lund", "desk@club.se")]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].method, out["a"].person_id) == (MATCHED, "name", 1)
    assert out["b"].status == UNMATCHED


def test_same_email_with_unrelated_names_goes_to_review():
    out = decide(
        [Staff(1, "Anna", "Berg", "info@club.se")], [Staff("a", "Front", "Desk", "info@club.se")]
    )
    assert out["a"].status == NEEDS_REVIEW
    assert out["a"].person_id == 1
    assert out["a"].reason == "same email, but the first names differ"


def test_same_email_with_married_name_still_matches():
    out = decide(
        [Staff(1, "Anna", "Berg", "anna@club.se")], [Staff("a", "Anna", "Lund", "anna@club.se")]
    )
    assert out["a"].status == MATCHED


def test_normalized_full_name_matches_automatically():
    directory = [Staff(1, "José María", "García-López", ""), Staff(2, "Zoë", "O'Brien", "z@c.ie")]
    remote = [Staff("a", "  JOSE  m. ", "garcia lopez", ""), Staff("b", "zoe", "OBRIEN", "")]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (MATCHED, 1, "name")
    assert (out["b"].status, out["b"].person_id) == (MATCHED, 2)
    assert out["a"].reason == "same full name"


def test_middle_names_and_initials_are_ignored():
    out = decide([Staff(1, "Mary Anne", "Smith", "")], [Staff("a", "Mary J.", "Smith", "")])
    assert out["a"].status == MATCHED


def test_full_name_in_one_field_is_split():
    assert name_parts("John Smith", "") == ("john", "smith")
    assert name_parts("", "Smith") == ("", "smith")
    assert fold("Łukasz Müller-Straße") == "lukasz muller-strasse"


def test_same_name_with_different_emails_matches_and_says_the_emails_differ():
    out = decide(
        [Staff(1, "Anna", "Berg", "anna.berg@club07-fitness.com")],
        [Staff("a", "ANNA", "berg", "anna.berg@club07.club")],
    )
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (MATCHED, 1, "name")
    assert out["a"].reason == "same full name; the emails differ"


def test_same_name_is_not_linked_when_the_email_is_another_directory_persons():
    directory = [Staff(1, "Anna", "Berg", "anna@club.se"), Staff(2, "Carl", "Dahl", "carl@club.se")]
    out = decide(directory, [Staff("a", "Anna", "Berg", "carl@club.se")])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)
    assert "another directory person's" in out["a"].reason


def test_a_junior_is_not_linked_to_his_father_by_name():
    directory = [Staff(1, "Marco", "Reed", "marco@c.it"), Staff(2, "Marco", "Reed Jr", "")]
    remote = [Staff("a", "Marco", "Reed", "mreed@gmail.com"), Staff("b", "MARCO", "REED JR.", "")]
    out = decide(directory, remote)
    assert (out["b"].status, out["b"].person_id) == (MATCHED, 2)
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)


def test_a_name_in_one_field_with_a_middle_name_matches():
    out = decide(
        [Staff(1, "Fatima", "Phillips", "")],
        [Staff("a", "Fatima Marie Phillips", "", ""), Staff("b", "Berg, Anna", "", "")],
    )
    assert (out["a"].status, out["a"].person_id) == (MATCHED, 1)
    assert name_parts("Berg, Anna", "") == ("anna", "berg")


def test_accents_written_out_are_the_same_name():
    directory = [Staff(1, "Jörg", "Müller", "jm@club.de"), Staff(2, "Åsa", "Ström", "")]
    remote = [Staff("a", "Joerg", "Mueller", ""), Staff("b", "Aasa", "Stroem", "")]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id) == (MATCHED, 1)
    assert (out["b"].status, out["b"].person_id) == (MATCHED, 2)


def test_same_email_with_different_first_names_is_only_suggested():
    out = decide(
        [Staff(1, "John", "Smith", "smiths@gmail.com")],
        [Staff("a", "Jane", "Smith", "smiths@gmail.com")],
    )
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)


def test_homonyms_never_match_automatically_and_active_wins_the_tie():
    directory = [
        Staff(1, "John", "Doe", "", active=False),
        Staff(2, "John", "Doe", "", active=True),
    ]
    out = decide(directory, [Staff("a", "John", "Doe", "")])
    assert out["a"].status == NEEDS_REVIEW
    assert out["a"].person_id == 2
    assert "2 directory people" in out["a"].reason


def test_homonyms_on_the_remote_side_never_match_automatically():
    out = decide(
        [Staff(1, "John", "Doe", "")],
        [Staff("a", "John", "Doe", ""), Staff("b", "John", "Doe", "")],
    )
    assert {out["a"].status, out["b"].status} <= {NEEDS_REVIEW, UNMATCHED}
    assert [d.person_id for d in out.values()].count(1) >= 1


def test_inactive_staff_are_still_matched():
    out = decide(
        [Staff(1, "Eva", "Lund", "eva@c.se", active=False)],
        [Staff("a", "Eva", "Lund", "", active=False)],
    )
    assert out["a"].status == MATCHED


def test_nickname_is_suggested_with_a_readable_reason():
    directory = [Staff(1, "Robert", "Smith", ""), Staff(2, "Elizabeth", "Taylor", "")]
    out = decide(directory, [Staff("a", "Bob", "Smith", ""), Staff("b", "Liz", "Taylor", "")])
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (NEEDS_REVIEW, 1, "nickname")
    assert out["a"].reason == "nickname of first name, same last name"
    assert out["b"].person_id == 2
    assert 0 < out["a"].score < 1


def test_curated_non_english_nickname_is_suggested():
    out = decide([Staff(1, "Francisco", "Ruiz", "")], [Staff("a", "Paco", "Ruiz", "")])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)


def test_typos_are_suggested():
    directory = [Staff(1, "Michael", "Johnson", ""), Staff(2, "Katarina", "Svensson", "")]
    remote = [Staff("a", "Micheal", "Johnson", ""), Staff("b", "Katarina", "Svenson", "")]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (NEEDS_REVIEW, 1, "fuzzy")
    assert "typo" in out["a"].reason
    assert (out["b"].status, out["b"].person_id) == (NEEDS_REVIEW, 2)


def test_swapped_first_and_last_names_are_suggested():
    out = decide([Staff(1, "Anna", "Kowalski", "")], [Staff("a", "Kowalski", "Anna", "")])
    assert (out["a"].status, out["a"].method) == (NEEDS_REVIEW, "swapped")
    assert out["a"].reason == "first and last names swapped"


def test_email_local_part_resembling_the_name_is_suggested():
    directory = [Staff(1, "John", "Smith", ""), Staff(2, "Karin", "Holm", "kholm@club.se")]
    remote = [Staff("a", "", "", "jsmith@gmail.com"), Staff("b", "Trainer", "7", "")]
    remote.append(Staff("c", "Karin", "X", ""))
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (NEEDS_REVIEW, 1, "email_name")
    assert out["b"].status == UNMATCHED


def test_people_on_one_side_only_stay_unmatched():
    out = decide([Staff(1, "Anna", "Berg", "")], [Staff("a", "Carl", "Dahl", "carl@x.se")])
    assert out["a"].status == UNMATCHED
    assert out["a"].person_id is None


def test_empty_rosters():
    assert match_staff(directory=[], remote=[]) == []
    assert decide([], [Staff("a", "Anna", "Berg", "")])["a"].status == UNMATCHED


def test_one_person_is_never_linked_twice():
    directory = [Staff(1, "Anna", "Berg", "anna@c.se")]
    remote = [Staff("a", "Anna", "Berg", "anna@c.se"), Staff("b", "Anna", "Berg", "")]
    out = decide(directory, remote)
    assert [d.status for d in out.values()].count(MATCHED) <= 1


def test_confirmed_decisions_are_returned_unchanged_and_block_their_person():
    directory = [Staff(1, "Anna", "Berg", "anna@c.se"), Staff(2, "Carl", "Dahl", "")]
    remote = [Staff("a", "Anna", "Berg", "anna@c.se"), Staff("b", "Eva", "Lund", "")]
    fixed = [
        Fixed("a", NO_COUNTERPART),
        Fixed("b", MATCHED, person_id=1, reason="chosen by support"),
    ]
    out = decide(directory, remote, fixed)
    assert (out["a"].status, out["a"].person_id, out["a"].confirmed) == (NO_COUNTERPART, None, True)
    assert (out["b"].status, out["b"].person_id, out["b"].confirmed) == (MATCHED, 1, True)


def test_email_match_skips_a_person_linked_by_a_person():
    directory = [Staff(1, "Anna", "Berg", "anna@c.se")]
    remote = [Staff("a", "Anna", "Berg", "anna@c.se"), Staff("b", "X", "Y", "")]
    out = decide(directory, remote, [Fixed("b", MATCHED, person_id=1)])
    assert out["a"].status == UNMATCHED


def test_suggestions_stay_one_to_one_where_they_can():
    directory = [
        Staff(1, "John", "Doe", "", active=True),
        Staff(2, "John", "Doe", "", active=False),
    ]
    remote = [
        Staff("a", "John", "Doe", "", active=True),
        Staff("b", "John", "Doe", "", active=False),
    ]
    out = decide(directory, remote)
    assert out["a"].person_id == 1
    assert out["b"].person_id == 2


def test_a_shared_mailbox_is_not_a_conflicting_email():
    directory = [Staff(1, "Anna", "Berg", "anna@club.se"), Staff(2, "Carl", "Dahl", "carl@club.se")]
    remote = [
        Staff("a", "Anna", "Berg", "desk@club.se"),
        Staff("b", "Carl", "Dahl", "desk@club.se"),
    ]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id) == (MATCHED, 1)
    assert (out["b"].status, out["b"].person_id) == (MATCHED, 2)


def test_login_style_accounts_are_suggested():
    directory = [Staff(1, "John", "Smith", "john@c.com"), Staff(2, "Karin", "Holm", "k@c.com")]
    remote = [
        Staff("a", "jsmith", "", ""),
        Staff("b", "holm.k", "", ""),
        Staff("c", "", "", "kholm@x.se"),
    ]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (NEEDS_REVIEW, 1, "email_name")
    assert out["a"].reason == "account name 'jsmith' fits the directory name"
    assert out["b"].person_id == 2
    assert out["c"].person_id == 2


def test_every_signal_counts_for_a_suggestion():
    # A nickname with the same email name at the platform's domain beats a bare nickname.
    directory = [
        Staff(1, "Robert", "Smith", "robert.smith@club.com"),
        Staff(2, "Roberta", "Smith", "roberta.smith@club.com"),
    ]
    out = decide(directory, [Staff("a", "Bobbie", "Smith", "roberta.smith@club.club")])
    assert out["a"].person_id == 2
    assert "same email name at another domain" in out["a"].reason


def test_both_names_with_typos_are_suggested():
    out = decide([Staff(1, "Pablo", "Campbell", "")], [Staff("a", "Pabllo", "Campblel", "")])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)
    assert out["a"].reason.endswith("last name differs by a typo")


def test_candidates_for_one_remote_are_ranked():
    from mappings.matching.staff import staff_candidates

    directory = [
        Staff(1, "Robert", "Smith", ""),
        Staff(2, "Roberta", "Smith", ""),
        Staff(3, "X", "Y", ""),
    ]
    found = staff_candidates(remote=Staff("a", "Bob", "Smith", ""), directory=directory)
    assert found[0][0] == 1
    assert found[0][2] == "nickname of first name, same last name"
    assert 3 not in [pid for pid, _, _ in found]


def _mirroring_partner(extra_directory=(), extra_remote=()):
    """Three people whose partner addresses keep their directory local part, and more."""
    names = [("Anna", "Berg"), ("Carl", "Dahl"), ("Eva", "Lund")]
    directory = [
        Staff(i, first, last, f"{first}.{last}@club07-fitness.com".lower())
        for i, (first, last) in enumerate(names, 1)
    ]
    remote = [
        Staff(f"r{i}", first, last, f"{first}.{last}@club07.club".lower())
        for i, (first, last) in enumerate(names, 1)
    ]
    return decide([*directory, *extra_directory], [*remote, *extra_remote])


def test_an_address_at_a_partner_domain_that_mirrors_the_directory_is_the_same_email():
    out = _mirroring_partner(
        [Staff(9, "Robert", "Smith", "robert.smith@club07-fitness.com")],
        [Staff("bob", "Bob", "Smith", "robert.smith@club07.club")],
    )
    assert (out["bob"].status, out["bob"].person_id, out["bob"].method) == (MATCHED, 9, "email")
    assert out["bob"].reason == "same email (at the partner's domain club07.club)"


def test_a_partner_domain_with_its_own_address_pattern_is_no_alias():
    directory = [Staff(i, f, "Berg", f"{f}.berg@club.com".lower()) for i, f in enumerate("ABC")]
    directory.append(Staff(9, "Robert", "Smith", "robert.smith@club.com"))
    remote = [Staff(f"r{f}", f, "Berg", f"{f}berg@club.club".lower()) for f in "ABC"]
    remote.append(Staff("bob", "Bob", "Smith", "robert.smith@club.club"))
    out = decide(directory, remote)
    assert (out["bob"].status, out["bob"].person_id) == (NEEDS_REVIEW, 9)


def test_the_same_email_under_another_directory_persons_name_is_only_suggested():
    directory = [
        Staff(1, "Andrew", "López", "andrew.lopez@club.com"),
        Staff(2, "Andrew", "Cook", "andrew.cook@club.com"),
    ]
    out = decide(directory, [Staff("a", "andrew", "cook", "andrew.lopez@club.com")])
    assert out["a"].status == NEEDS_REVIEW
    assert out["a"].person_id == 2  # the name's owner is suggested, not the address's


def test_the_same_email_under_another_name_says_whose_name_it_is():
    from mappings.matching.staff import staff_candidates

    directory = [
        Staff(1, "Andrew", "López", "andrew.lopez@club.com"),
        Staff(2, "Andrew", "Cook", "andrew.cook@club.com"),
    ]
    remote = Staff("a", "andrew", "cook", "andrew.lopez@club.com")
    found = dict(
        (pid, reason) for pid, _, reason in staff_candidates(remote=remote, directory=directory)
    )
    assert found[1] == "same email, but the name is Andrew Cook's"


def test_an_account_name_that_spells_the_name_with_the_same_email_links():
    out = decide(
        [Staff(1, "John", "Smith", "jsmith@club.com")],
        [Staff("a", "jsmith", "", "jsmith@club.com")],
    )
    assert (out["a"].status, out["a"].person_id, out["a"].method) == (MATCHED, 1, "email")


def test_an_account_name_spelling_another_persons_name_is_only_suggested():
    directory = [
        Staff(1, "Matthew", "Mitchell", "matthew.mitchell@club.com"),
        Staff(2, "Sofía", "Sánchez", "sofia.sanchez@club.com"),
    ]
    out = decide(directory, [Staff("a", "sofia.s", "", "matthew.mitchell@club.com")])
    assert out["a"].status == NEEDS_REVIEW


def test_a_name_alone_waits_when_the_directory_person_left_and_the_account_is_active():
    directory = [Staff(1, "Eva", "Lund", "eva@club.se", active=False)]
    out = decide(directory, [Staff("a", "Eva", "Lund", "eva.lund77@gmail.com", active=True)])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)
    assert out["a"].reason.startswith(
        "same full name, but the directory person is inactive and the remote staff active"
    )


def test_a_work_address_is_enough_for_the_name_whatever_the_status():
    directory = [Staff(1, "Eva", "Lund", "eva@club.se", active=False), Staff(2, "Al", "Ek", "")]
    remote = [
        Staff("a", "Eva", "Lund", "eva.lund@partner.com", active=True),
        Staff("b", "Al", "Ek", "al.ek@partner.com"),
    ]
    out = decide(directory, remote)
    assert (out["a"].status, out["a"].person_id) == (MATCHED, 1)


def test_a_personal_address_that_spells_another_directory_persons_name_waits():
    directory = [
        Staff(1, "Michael", "Smith", "msmith@club.com"),
        Staff(2, "Mike", "Jones", "mike@club.com"),
    ]
    out = decide(directory, [Staff("a", "Michael", "Smith", "mikejones@gmail.com")])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 1)
    assert "the remote's email looks like Mike Jones's" in out["a"].reason


def test_names_related_only_through_a_third_nickname_are_no_rivals():
    # The nicknames list gives Bill for both Robert and William: not the same first name.
    directory = [Staff(1, "Robert", "Martin", ""), Staff(2, "William", "Martin", "")]
    out = decide(directory, [Staff("a", "Robert", "Martin", "")])
    assert (out["a"].status, out["a"].person_id) == (MATCHED, 1)


def test_candidates_for_one_remote_read_the_partner_domain_from_its_roster():
    from mappings.matching.staff import staff_candidates

    names = [("Anna", "Berg"), ("Carl", "Dahl"), ("Eva", "Lund")]
    directory = [Staff(9, "Robert", "Smith", "robert.smith@club07-fitness.com")]
    directory += [
        Staff(i, f, n, f"{f}.{n}@club07-fitness.com".lower()) for i, (f, n) in enumerate(names)
    ]
    roster = [
        Staff(f"r{i}", f, n, f"{f}.{n}@club07.club".lower()) for i, (f, n) in enumerate(names)
    ]
    remote = Staff("bob", "Bob", "Smith", "robert.smith@club07.club")
    found = staff_candidates(remote=remote, directory=directory, roster=roster)
    assert found[0] == (9, 1.0, "same email (at the partner's domain club07.club)")
