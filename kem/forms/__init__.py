"""Forms of the kem app, one module per family of pages."""
