"""Billing: fee schedules, charges, payment through providers, refunds, the double-entry ledger, settlement and
reconciliation (issue 19). It sits between pharmacy and records: clinic and pharmacy call `billing.services` to
charge for a booking or an order; billing imports neither, and learns about their rules through hooks they
install at start-up (billing.rules). Money is integer fen everywhere."""
