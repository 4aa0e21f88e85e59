"""Reading request parameters the way the API's clients send them: query string, JSON body or form.

Every failure to read a body is a :class:`~flashpanel.errors.FlashpanelError` (400, or 413 past
``FLASHPANEL_MAX_BODY_BYTES``), never an unexpected exception: a hostile body gets a clear answer and
leaves no traceback in the log."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException

from flashpanel.api.decode import Value
from flashpanel.errors import BadRequest, PayloadTooLarge

Params = dict[str, Value]

_json_object = msgspec.json.Decoder(dict[str, msgspec.Raw])  # field values stay undecoded (api/decode.py)


async def read_params(request: Request[Any, Any, Any], *, max_body_bytes: int) -> Params:
    """Query parameters, overlaid by the fields of a JSON object or form body when there is one."""
    params: Params = dict(request.query_params)
    if request.method in ("GET", "HEAD"):
        return params
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        body = await request.body()
    except HTTPException as exc:  # Litestar refuses a body past the app's request_max_body_size
        if exc.status_code == 413:
            raise PayloadTooLarge(f"Request body too large: at most {max_body_bytes} bytes") from None
        raise
    if not body.strip():
        return params
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except HTTPException:
            raise BadRequest("Malformed form body") from None
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise BadRequest(f"Unsupported content type: {content_type}; send JSON or a form")
    try:
        decoded = _json_object.decode(body)
    except msgspec.ValidationError:  # valid JSON of another type
        raise BadRequest("The JSON body must be an object") from None
    except (msgspec.DecodeError, RecursionError):  # RecursionError: nested deeper than the decoder goes
        raise BadRequest("Malformed JSON body") from None
    params.update(decoded)
    return params
