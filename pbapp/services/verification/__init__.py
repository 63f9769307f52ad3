"""Verified residents: identities, eligibility per process, letter codes."""
