"""The Method of Equal Shares (MES) with cost utilities, and its "add1" completion.

Every engine here selects exactly what MES selects by its definition, or declines
("unproven") and leaves the decision to the next one; none approximates. The engines, each
with the invariant that makes it exact:

- ``exact.py``, ``run_exact``: every budget a rational; the definition itself. Never declines.
  The only engine that records payments, and (with ``affine.py``) the slope run, which proves
  how far the share may rise before any of its decisions could change.
- ``floats.py``, ``selection``: one run on float budgets, each within a proven error bound of
  the exact one; a decision is taken only when the bounds prove it. Declines at a near-tie.
- ``batch.py``, ``outcomes``: many runs (one per share) in step, with the proofs of
  ``floats`` run by run; a run that meets a near-tie is dropped (unproven) and run alone.
- ``add1.py``, ``same_outcome_for_budgets``: one run on intervals of shares; proves that a
  whole interval selects the same projects, or declines.

``chain.run_mes`` runs one share through ``floats`` then ``exact`` (``exact=True``: exact
only); ``add1.equal_shares_add1`` searches the shares with ``batch`` (whole-number weights)
or with interval and slope proofs, falling back to ``run_mes`` for whatever is unproven.
"""

from allocation.pb.mes.add1 import equal_shares_add1
from allocation.pb.mes.chain import equal_shares, run_mes
from allocation.pb.mes.outcome import UNPROVEN, MesRun, Purchase, Q, is_exhaustive, spent

__all__ = [
    "UNPROVEN",
    "MesRun",
    "Purchase",
    "Q",
    "equal_shares",
    "equal_shares_add1",
    "is_exhaustive",
    "run_mes",
    "spent",
]
