"""Compliance: the regulator's supervision feed (pull and push), traces, legal holds and retention.

It sits on top of the domains: they report events through core.reporting and ask records' deletion guards,
and nothing imports this package except the composition root (cloud_hospital)."""
