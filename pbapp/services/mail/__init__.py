"""Mail: the outbox (messages written with the event that causes them) and its delivery."""
