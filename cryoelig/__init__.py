"""cryoelig: explained, non-diagnostic summaries of documented cryoablation factors.

Points to discuss with the multidisciplinary team, each with its rule, the case values that
met it and the verbatim source quote; never a recommendation.
"""

__version__ = "0.1.0"
