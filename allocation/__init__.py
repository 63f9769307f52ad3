"""Pure computation for the platform: counting votes, needs-weighted shares, pooled budgets and
core-funding awards.

Nothing here imports Flask, SQLAlchemy or ``pbapp``: a council analyst can use it from a
notebook, and ``python -m allocation`` exposes it on the command line.
"""
