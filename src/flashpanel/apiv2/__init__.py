"""The SMM panel API v2 (``POST /api/v2``, ``key`` + ``action``) wire protocol only: it decodes the
action, calls the SMM domain (``smm/``: placing, drip-feed, cancel, refill) and shapes the protocol's
replies and ``{"error": "..."}`` refusals. It holds no rule, no SQL and no table."""
