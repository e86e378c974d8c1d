"""The lead-source matching core: exact normalized names link, likely-same ones are suggested."""

from __future__ import annotations

from mappings.matching.lead_sources import Source, lead_source_key, match_lead_sources
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, NO_COUNTERPART, UNMATCHED, Fixed


def decide(canonical, remote, fixed=()):
    return {
        d.remote_id: d for d in match_lead_sources(canonical=canonical, remote=remote, fixed=fixed)
    }


CANONICAL = [
    Source(1, "Walk-in"),
    Source(2, "Facebook Ad"),
    Source(3, "Referral"),
    Source(4, "Google Search"),
]


def test_same_normalized_name_links_automatically():
    out = decide(
        CANONICAL, [Source("a", " WALK IN "), Source("b", "walkin"), Source("c", "Référral")]
    )
    assert (out["c"].status, out["c"].person_id, out["c"].reason) == (MATCHED, 3, "same name")
    # Two remote sources normalize to the same name: ambiguous, so only suggested.
    assert out["a"].status == NEEDS_REVIEW and out["b"].status == NEEDS_REVIEW


def test_plural_and_similar_names_are_suggested():
    out = decide(CANONICAL, [Source("a", "Facebook Ads"), Source("b", "Google search ads")])
    assert (out["a"].status, out["a"].person_id) == (NEEDS_REVIEW, 2)
    assert out["a"].reason == "same name, singular or plural"
    assert (out["b"].status, out["b"].person_id) == (NEEDS_REVIEW, 4)
    assert 0 < out["b"].score < 1


def test_unrelated_names_stay_unmatched():
    out = decide(CANONICAL, [Source("a", "Radio spot")])
    assert (out["a"].status, out["a"].person_id) == (UNMATCHED, None)


def test_confirmed_decisions_are_kept_and_their_target_is_taken():
    fixed = [Fixed("a", NO_COUNTERPART), Fixed("b", MATCHED, person_id=1)]
    out = decide(
        CANONICAL, [Source("a", "Referral"), Source("b", "x"), Source("c", "Walk-in")], fixed
    )
    assert (out["a"].status, out["a"].confirmed) == (NO_COUNTERPART, True)
    assert (out["b"].status, out["b"].person_id) == (MATCHED, 1)
    assert out["c"].status == UNMATCHED  # Walk-in is linked to b by a person


def test_stored_key_keeps_word_boundaries():
    assert lead_source_key("  Walk-In ") == "walk in"
    assert lead_source_key("Référral") == "referral"
