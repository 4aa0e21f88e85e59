"""The ``/api/v1`` handlers ("Code Flash New API"), one module per domain: decode the request into its
Struct, call one service function of the domain, shape the document's response. The domains themselves
(``smm/``, ``otp/``, ``accounts/``, ``wallet/``) hold no HTTP code, so the web panel and the CLI call the
same functions."""
