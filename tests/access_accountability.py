"""Access decisions of the accountability blueprint's routes, checked by test_access.py."""

OFFICER = frozenset({"officer"})

ACCOUNTABILITY_ACCESS: dict[str, object] = {
    "accountability.commitments": "public",
    "accountability.commitment": "public",
    "accountability.commitment_new": OFFICER,
    "accountability.commitment_update": frozenset({"officer", "funder"}),
    "accountability.commitment_comment": frozenset({"resident"}),
    "accountability.challenges": OFFICER,
    "accountability.challenge_answer": OFFICER,
    "accountability.my_stories": "signed-in",
    "accountability.story_withdraw": "signed-in",
    "accountability.delivery_list": "public",
    "accountability.delivery_item": "public",
    "accountability.delivery_update": OFFICER,
    "accountability.delivery_import": OFFICER,
    "accountability.delivery_template": OFFICER,
    "accountability.dashboard_page": "public",
    "accountability.open_data_index": "public",
    "accountability.open_data_csv": "public",
    "accountability.open_data_json": "public",
    "accountability.changes": "public",
}
