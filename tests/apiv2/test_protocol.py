from __future__ import annotations

from typing import Any

import msgspec
import pytest

from flashpanel.api.decode import decode
from flashpanel.apiv2.protocol import echo_id, order_status, refill_status
from flashpanel.apiv2.schemas import CancelIds, OrderIds
from flashpanel.bounds import MAX_IDS, NO_ROW, IdList
from flashpanel.errors import BadRequest
from flashpanel.smm.lifecycle import STATUSES


def read_ids(params: dict[str, Any], name: str) -> IdList:
    """An id list as /api/v2 decodes it (JSON values given as Python ones)."""
    wire = {k: v if isinstance(v, str) else msgspec.Raw(msgspec.json.encode(v)) for k, v in params.items()}
    ids = getattr(decode(wire, CancelIds, lenient_ids=True), name)
    if ids is None:
        raise BadRequest(f"Missing required parameter: {name}")
    assert isinstance(ids, IdList)
    return ids


def read_id(params: dict[str, Any], name: str) -> int:
    wire = {k: v if isinstance(v, str) else msgspec.Raw(msgspec.json.encode(v)) for k, v in params.items()}
    order = decode(wire, OrderIds, lenient_ids=True).order
    if order is None:
        raise BadRequest(f"Missing required parameter: {name}")
    return order


def test_every_flashpanel_status_has_its_protocol_spelling() -> None:
    assert {s: order_status(s) for s in STATUSES} == {
        "pending": "Pending",
        "processing": "Processing",
        "in_progress": "In progress",
        "completed": "Completed",
        "partial": "Partial",
        "cancelled": "Canceled",
    }


def test_refill_statuses_are_spelled_like_the_reference_panels() -> None:
    assert [refill_status(s) for s in ("pending", "in_progress", "completed", "rejected")] == [
        "Pending",
        "In progress",
        "Completed",
        "Rejected",
    ]


def test_id_lists_keep_the_order_sent_skip_blanks_and_answer_a_repeat_once() -> None:
    ids = read_ids({"orders": " 3, 1,,abc, 3 ,-2,0"}, "orders")
    assert ids.raw == ("3", "1", "abc", "-2", "0")
    assert ids.valid == {"3": 3, "1": 1}
    assert ids.ids == [3, 1]


def test_id_lists_accept_a_json_list_and_a_single_number() -> None:
    assert read_ids({"orders": [5, "6"]}, "orders").ids == [5, 6]
    assert read_ids({"orders": 7}, "orders").ids == [7]


def test_id_lists_allow_100_ids_and_refuse_101() -> None:
    hundred = ",".join(str(i) for i in range(1, MAX_IDS + 1))
    assert len(read_ids({"orders": hundred}, "orders").ids) == 100
    with pytest.raises(BadRequest, match="at most 100"):
        read_ids({"orders": hundred + ",101"}, "orders")


@pytest.mark.parametrize("value", [None, "", " , ,"])
def test_a_missing_id_list_is_a_bad_request(value: object) -> None:
    with pytest.raises(BadRequest, match="Missing required parameter: orders"):
        read_ids({"orders": value}, "orders")


def test_a_single_id_that_is_not_a_positive_integer_reads_as_the_id_of_nothing() -> None:
    assert read_id({"order": "12"}, "order") == 12
    assert read_id({"order": "1.5"}, "order") == NO_ROW
    assert read_id({"order": True}, "order") == NO_ROW
    with pytest.raises(BadRequest):
        read_id({}, "order")


def test_ids_are_echoed_as_numbers_when_they_are_numbers() -> None:
    assert echo_id("9") == 9
    assert echo_id("x9") == "x9"
