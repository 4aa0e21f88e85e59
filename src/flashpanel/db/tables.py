"""Every table, imported from its domain so that ``metadata`` knows them all."""

from flashpanel.accounts.tables import account_categories, account_orders, account_products, stock_items
from flashpanel.admin.tables import audit_log, operators, stock_imports
from flashpanel.customers.tables import customers, password_resets
from flashpanel.db.metadata import metadata
from flashpanel.orders_history.tables import order_status_changes
from flashpanel.otp.tables import otp_countries, otp_orders, otp_service_providers, otp_services
from flashpanel.payments.tables import topups
from flashpanel.providers.tables import providers
from flashpanel.smm.tables import smm_orders, smm_refills, smm_services
from flashpanel.wallet.tables import ledger_entries
from flashpanel.web.tables import web_sessions

__all__ = [
    "account_categories",
    "account_orders",
    "account_products",
    "audit_log",
    "customers",
    "ledger_entries",
    "metadata",
    "operators",
    "order_status_changes",
    "otp_countries",
    "otp_orders",
    "otp_service_providers",
    "otp_services",
    "password_resets",
    "providers",
    "smm_orders",
    "smm_refills",
    "smm_services",
    "stock_imports",
    "stock_items",
    "topups",
    "web_sessions",
]
