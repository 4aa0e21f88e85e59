"""Decoding merged parameters into an endpoint's Struct: presence first, then each value against its bounds."""

from __future__ import annotations

import msgspec
import pytest

from flashpanel.accounts.schemas import OrderDetails
from flashpanel.api.decode import Value, decode, plan_of
from flashpanel.api.schemas import HistoryPage, NoParameters
from flashpanel.apiv2.schemas import Add, OrderIds
from flashpanel.bounds import NO_ROW
from flashpanel.errors import BadRequest
from flashpanel.smm.schemas import PlaceOrder


def raw(text: str) -> msgspec.Raw:
    """A JSON body field as it arrives, undecoded."""
    return msgspec.Raw(text.encode())


def test_query_text_and_json_values_decode_alike() -> None:
    from_query = decode({"service": " 7 ", "link": " https://example.com/a ", "quantity": "+100"}, PlaceOrder)
    json_fields = {"service": raw("7"), "link": raw('"https://example.com/a"'), "quantity": raw('"100"')}
    from_json = decode(json_fields, PlaceOrder)
    assert from_query == from_json == PlaceOrder(service=7, link="https://example.com/a", quantity=100)


def test_missing_parameters_are_reported_first_in_field_order() -> None:
    with pytest.raises(BadRequest, match="Missing required parameter: link"):
        decode({"service": "abc", "link": "  ", "quantity": raw("null")}, PlaceOrder)
    with pytest.raises(BadRequest, match=r"Invalid parameter 'service': must be an integer$"):
        decode({"service": "abc", "link": "x", "quantity": "1"}, PlaceOrder)


@pytest.mark.parametrize("value", [raw("1.5"), raw("1e309"), raw("true"), raw("[1]"), raw('{"a": 1}'), "--5", "1e3"])
def test_anything_but_an_integer_is_refused_naming_the_parameter(value: Value) -> None:
    with pytest.raises(BadRequest, match=r"Invalid parameter 'quantity': must be an integer$"):
        decode({"service": "1", "link": "x", "quantity": value}, PlaceOrder)


@pytest.mark.parametrize("value", [str(2**63), raw(str(2**63)), raw("9" * 5000), "-" + "9" * 5000])
def test_an_integer_past_64_bits_is_refused_with_its_bounds(value: Value) -> None:
    with pytest.raises(BadRequest, match=r"'quantity': must be an integer between -9223372036854775808 and 9223372"):
        decode({"service": "1", "link": "x", "quantity": value}, PlaceOrder)


@pytest.mark.parametrize("value", [str(2**63), raw("9" * 5000), "0", "-4"])
def test_an_id_outside_its_bounds_is_the_id_of_nothing(value: Value) -> None:
    assert decode({"order": value}, OrderDetails).order == NO_ROW


def test_a_malformed_id_is_refused_on_v1_and_the_id_of_nothing_on_v2() -> None:
    with pytest.raises(BadRequest, match="Invalid parameter 'order': must be an integer"):
        decode({"order": "--5"}, OrderDetails)
    assert decode({"order": "--5"}, OrderIds, lenient_ids=True).order == NO_ROW
    assert decode({"order": raw("[[1]]")}, OrderIds, lenient_ids=True).order == NO_ROW


def test_pages_are_clamped_and_defaulted() -> None:
    assert decode({}, HistoryPage) == HistoryPage(page=1, limit=20)
    assert decode({"page": "-3", "limit": "500"}, HistoryPage) == HistoryPage(page=1, limit=100)
    with pytest.raises(BadRequest, match="'page'"):
        decode({"page": "9" * 30}, HistoryPage)


def test_a_link_that_is_not_a_string_is_left_for_the_link_rule() -> None:
    assert decode({"service": "1", "link": raw("12345"), "quantity": "1"}, PlaceOrder).link == "12345"


def test_optional_drip_feed_fields_stay_none_when_absent_or_blank() -> None:
    order = decode({"service": "1", "link": "x", "quantity": "1", "runs": "", "interval": raw("null")}, Add)
    assert (order.runs, order.interval) == (None, None)


def test_an_id_list_from_a_json_list_keeps_each_item_as_sent() -> None:
    ids = decode({"orders": raw('[5, "6", 1.5, null, [7], 5]')}, OrderIds, lenient_ids=True).orders
    assert ids is not None
    assert ids.raw == ("5", "6", "1.5", "null", "[7]")
    assert ids.ids == [5, 6]


def test_an_id_list_of_another_json_type_is_refused() -> None:
    with pytest.raises(BadRequest, match="Invalid parameter 'orders': must be a comma-separated list of ids"):
        decode({"orders": raw("true")}, OrderIds, lenient_ids=True)


def test_every_request_struct_field_has_bounds() -> None:
    """A field without an entry in the bounds table would be refused when the app first decodes it: check all."""
    import flashpanel.accounts.schemas
    import flashpanel.apiv2.schemas
    import flashpanel.otp.schemas
    import flashpanel.smm.schemas

    modules = [flashpanel.accounts.schemas, flashpanel.apiv2.schemas, flashpanel.otp.schemas, flashpanel.smm.schemas]
    structs: list[type[msgspec.Struct]] = [NoParameters, HistoryPage]
    for module in modules:
        structs += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, msgspec.Struct)]
    assert len(structs) >= 14
    for struct in structs:
        assert plan_of(struct) is not None
