"""Customer lifetime value (客户终身价值): BG/NBD for purchases and P(alive), Gamma-Gamma for value.

The app owns no tables. `summaries.clv_summaries` reads orders into per-member arrays,
`bgnbd` and `gamma_gamma` fit the two models, `selectors.clv_fit` does both for an `as_of`, and
`scoring.clv_score` turns a fit into per-member P(alive) and 365-day value for the feature store.
"""
