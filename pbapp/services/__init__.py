"""Use-cases: validate, change the session, record an audit event. They never commit (the
request or command that calls them commits once) and know nothing of requests or flash messages.
"""
