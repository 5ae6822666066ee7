"""OneRoster list parameters: the filter grammar, sorting, field selection, paging and Link headers (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from identity.domain.oneroster import (
    USER_FIELDS,
    InvalidQuery,
    ListQuery,
    link_header,
    matches,
    parse_filter,
    select_page,
)


def _user(sourced_id: str, family: str, given: str, role: str = "student", **extra: Any) -> dict[str, Any]:
    return {
        "sourcedId": sourced_id,
        "status": "active",
        "familyName": family,
        "givenName": given,
        "roles": [{"roleType": "primary", "role": role, "org": {"sourcedId": "s1"}}],
        **extra,
    }


USERS = [
    _user("u1", "Nguyễn", "An"),
    _user("u2", "Trần", "Bình", role="teacher"),
    _user("u3", "Nguyễn", "Châu"),
    _user("u4", "Lê", "Dũng", role="parent"),
]


def test_simple_equality_filter_matches_vietnamese_values_exactly() -> None:
    flt = parse_filter("familyName='Nguyễn'", allowed=USER_FIELDS)
    assert [u["sourcedId"] for u in USERS if matches(flt, u)] == ["u1", "u3"]


def test_two_predicates_joined_by_and_must_both_hold() -> None:
    flt = parse_filter("familyName='Nguyễn' AND givenName='Châu'", allowed=USER_FIELDS)
    assert [u["sourcedId"] for u in USERS if matches(flt, u)] == ["u3"]


def test_or_joins_two_predicates_and_nested_role_fields_fan_out() -> None:
    flt = parse_filter("roles.role='teacher' OR roles.role='parent'", allowed=USER_FIELDS)
    assert [u["sourcedId"] for u in USERS if matches(flt, u)] == ["u2", "u4"]


def test_not_equal_and_contains_operators() -> None:
    assert [u["sourcedId"] for u in USERS if matches(parse_filter("familyName!='Nguyễn'", allowed=USER_FIELDS), u)] == [
        "u2",
        "u4",
    ]
    assert [u["sourcedId"] for u in USERS if matches(parse_filter("givenName~'ình'", allowed=USER_FIELDS), u)] == ["u2"]


def test_a_quote_inside_a_value_is_doubled() -> None:
    flt = parse_filter("givenName='O''Neil'", allowed=USER_FIELDS)
    assert flt.predicates[0].value == "O'Neil"


@pytest.mark.parametrize(
    "text",
    ["familyName=Nguyễn", "familyName=='x'", "familyName='a' AND givenName='b' AND status='active'", "'x'", ""],
)
def test_malformed_filter_is_rejected_naming_the_filter_parameter(text: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        ListQuery.parse(allowed=USER_FIELDS, filter_text=text or " ")
    assert caught.value.extensions["field"] == "filter"


def test_filter_on_an_unknown_field_names_that_field() -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse_filter("shoeSize='42'", allowed=USER_FIELDS)
    assert caught.value.extensions["filter_field"] == "shoeSize"
    assert caught.value.status == 400


def test_sort_and_order_by_then_page_counts_everything_that_matched() -> None:
    query = ListQuery.parse(allowed=USER_FIELDS, sort="givenName", order_by="desc", limit=2, offset=0)
    page = select_page(USERS, query)
    assert [u["givenName"] for u in page.items] == ["Dũng", "Châu"]
    assert page.total == 4


def test_field_selection_keeps_only_the_requested_fields() -> None:
    page = select_page(USERS, ListQuery.parse(allowed=USER_FIELDS, fields="sourcedId, givenName"))
    assert page.items[0] == {"sourcedId": "u1", "givenName": "An"}


def test_unknown_selected_field_or_sort_field_is_rejected() -> None:
    with pytest.raises(InvalidQuery) as caught:
        ListQuery.parse(allowed=USER_FIELDS, fields="sourcedId,shoeSize")
    assert caught.value.extensions["field"] == "fields"
    with pytest.raises(InvalidQuery) as caught:
        ListQuery.parse(allowed=USER_FIELDS, sort="shoeSize")
    assert caught.value.extensions["field"] == "sort"


def test_limit_is_capped_at_one_thousand() -> None:
    assert ListQuery.parse(allowed=USER_FIELDS, limit=5000).limit == 1000


def test_link_header_points_to_next_and_last_pages_keeping_other_parameters() -> None:
    page = select_page(USERS, ListQuery.parse(allowed=USER_FIELDS, limit=1, offset=1))
    header = link_header("http://x/users", params={"filter": "status='active'", "limit": "1", "offset": "1"}, page=page)
    assert 'offset=2>; rel="next"' in header
    assert 'offset=3>; rel="last"' in header
    assert 'rel="prev"' in header
    assert "filter=status%3D%27active%27" in header


def test_last_page_has_no_next_link() -> None:
    page = select_page(USERS, ListQuery.parse(allowed=USER_FIELDS, limit=3, offset=3))
    header = link_header("http://x/users", params={}, page=page)
    assert 'rel="next"' not in header
    assert 'offset=3>; rel="last"' in header
