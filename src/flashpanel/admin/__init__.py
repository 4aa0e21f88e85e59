"""The operator back office: operators and their 2FA, roles, the audit log, and the /admin pages."""
