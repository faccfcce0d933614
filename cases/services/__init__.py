"""Services of the counselling app, one module per concern."""
