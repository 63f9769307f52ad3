"""Commitments, delivery, stories, the fairness dashboard and open data.

The views live in three modules by subject; importing this one registers them all on ``bp``.
"""

from pbapp.accountability import (  # noqa: F401  (registers the views on bp)
    commitment_views,
    data_views,
    delivery_views,
)
