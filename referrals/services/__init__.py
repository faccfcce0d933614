"""Services of the referrals app, one module per concern."""
