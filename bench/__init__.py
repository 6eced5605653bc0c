"""Benchmarks of huizong: synthetic data sets of a county, a city and a province, and what reads them."""
