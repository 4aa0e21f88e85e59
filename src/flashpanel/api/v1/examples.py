"""The API document's example of each /api/v1 success body, shown in the reference (/docs) as the
example of its 200 answer. Word for word but for timestamps, which flashpanel always sends with
``+00:00`` (the document also shows ``Z``; docs/api.md). tests/api/test_openapi.py decodes each one
strictly into its endpoint's reply Struct: the declared shapes are the document's."""

from __future__ import annotations

from typing import Any, Final

_SMM_ORDER: Final = {
    "order_id": 12345,
    "service": "Instagram Followers",
    "link": "https://instagram.com/username",
    "quantity": 1000,
    "charge": "500.00",
    "status": "completed",
    "start_count": 1500,
    "remains": 0,
    "created_at": "2026-01-29T10:30:00+00:00",
}
_OTP_ORDER: Final = {
    "order_id": 789,
    "request_id": "44784888383838",
    "phone_number": "+1234567890",
    "service": "WhatsApp",
    "country": "United States",
    "charge": "350.00",
    "status": "completed",
    "sms_code": "123456",
    "created_at": "2024-01-15T10:30:00+00:00",
}
_ACCOUNT_ORDER: Final = {
    "order_id": 10,
    "product": "Netflix Premium Account",
    "quantity": 1,
    "charge": "572.40",
    "status": "completed",
    "accounts": ["Username:Password"],
    "created_at": "2026-01-29T22:45:43+00:00",
}


def _page(order: dict[str, Any], total: int, total_pages: int) -> dict[str, Any]:
    pagination = {"current_page": 1, "per_page": 20, "total": total, "total_pages": total_pages}
    return {"orders": [order], "pagination": pagination}


def _ok(data: Any, message: str | None = None) -> dict[str, Any]:
    return {"success": True, **({"message": message} if message else {}), "data": data}


SUCCESS: Final[dict[str, dict[str, Any]]] = {
    "/api/v1/balance": _ok({"balance": "15000.00", "currency": "NGN"}),
    "/api/v1/smm/services": _ok(
        [
            {
                "service_id": 1,
                "name": "Instagram Followers",
                "category": "Instagram",
                "type": "Default",
                "rate": "500.00",
                "min": 100,
                "max": 10000,
                "description": "High quality followers",
            }
        ]
    ),
    "/api/v1/smm/order": _ok(
        {
            "order_id": 12345,
            "service": "Instagram Followers",
            "link": "https://instagram.com/username",
            "quantity": 1000,
            "charge": "500.00",
            "status": "pending",
            "balance": "14500.00",
            "currency": "NGN",
        },
        "Order placed successfully",
    ),
    "/api/v1/smm/status": _ok(_SMM_ORDER),
    "/api/v1/smm/orders": _ok(
        _page(
            {**_SMM_ORDER, "order_id": 123, "start_count": 1000, "created_at": "2024-01-15T10:30:00+00:00"}, 50, 3
        )
    ),
    "/api/v1/otp/countries": _ok(
        [{"id": 1, "name": "United States", "code": "US"}, {"id": 2, "name": "United Kingdom", "code": "GB"}]
    ),
    "/api/v1/otp/services": _ok(
        [{"service_id": 1, "name": "WhatsApp", "code": "wa", "price": "350.00", "available": 150}]
    ),
    "/api/v1/otp/purchase": _ok(
        {
            "order_id": 789,
            "phone_number": "+1234567890",
            "request_id": "abc123",
            "service": "WhatsApp",
            "country": "United States",
            "charge": "350.00",
            "status": "active",
            "balance": "14650.00",
            "currency": "NGN",
        },
        "Number purchased successfully",
    ),
    "/api/v1/otp/check": _ok(
        {"order_id": 789, "phone_number": "+1234567890", "status": "completed", "sms_code": "123456"}
    ),
    "/api/v1/otp/cancel": _ok(
        {"order_id": 789, "refund_amount": "350.00", "balance": "15000.00"},
        "Order cancelled and refunded successfully",
    ),
    "/api/v1/otp/orders": _ok(_page(_OTP_ORDER, 25, 2)),
    "/api/v1/accounts/categories": _ok(
        [{"id": 1, "name": "Social Media", "icon": "users"}, {"id": 2, "name": "Streaming", "icon": "play"}]
    ),
    "/api/v1/accounts/products": _ok(
        [
            {
                "product_id": 1,
                "name": "Netflix Premium Account",
                "price": "2500.00",
                "stock": 50,
                "min": 1,
                "max": 10,
                "description": "Premium Netflix account",
            }
        ]
    ),
    "/api/v1/accounts/purchase": _ok(
        {
            "order_id": 456,
            "product": "Netflix Premium Account",
            "quantity": 1,
            "charge": "2500.00",
            "status": "completed",
            "accounts": [{"email": "user@example.com", "password": "pass123"}],
            "balance": "12500.00",
            "currency": "NGN",
        },
        "Account(s) purchased successfully",
    ),
    "/api/v1/accounts/orders": _ok(_page(_ACCOUNT_ORDER, 15, 1)),
    "/api/v1/accounts/order": _ok(
        {
            "order_id": 10,
            "product": "Netflix Premium Account",
            "quantity": 1,
            "price_per_unit": "572.40",
            "charge": "572.40",
            "status": "completed",
            "accounts": ["Username:Password", "Username:Password"],
            "created_at": "2026-01-29T22:45:43+00:00",
        }
    ),
}
