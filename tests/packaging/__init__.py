"""The slow packaging test: a wheel built from the checkout works on its own."""
