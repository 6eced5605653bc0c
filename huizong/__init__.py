"""huizong (汇总): collect, check and consolidate periodic report forms up the administrative hierarchy."""

__version__ = "0.1.0"
