"""Payments through providers (ADR 21): the `PaymentProvider` protocol (`base`), the registry
of enabled providers (`registry`), the built-in test provider (`test_provider`) and the
services that start a charge and settle it from a verified notification (`services`)."""
