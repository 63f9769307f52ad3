"""Access decisions of the verification blueprint's routes, checked by test_access.py."""

VERIFICATION_ACCESS: dict[str, object] = {
    # Residents: their own verification, and entering a letter code.
    "verification.start": frozenset({"resident"}),
    "verification.register_check": frozenset({"resident"}),
    # Officers: the residents' register extract.
    "verification.register_upload": frozenset({"officer"}),
    # Officers: letter codes for a neighbourhood's households.
    "verification.letter_batches": frozenset({"officer"}),
    "verification.letter_csv": frozenset({"officer"}),
    "verification.letter_withdraw": frozenset({"officer"}),
    # Verifiers at events, and officers: in person, after seeing proof of address.
    "verification.in_person_search": frozenset({"verifier", "officer"}),
    "verification.in_person": frozenset({"verifier", "officer"}),
    # Admins: every verification, and revoking one with a reason.
    "verification.people": frozenset({"admin"}),
    "verification.revoke": frozenset({"admin"}),
}
