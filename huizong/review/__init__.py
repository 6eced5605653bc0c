"""Review and approval (审核、退回、审定) of units' reports up the tiers: see ``huizong.review.core``."""

from huizong.review.core import ACTIONS, ALLOWED, DRAFT, FINAL, STATES, Outcome, Who, decide, finality, locked

__all__ = ["ACTIONS", "ALLOWED", "DRAFT", "FINAL", "STATES", "Outcome", "Who", "decide", "finality", "locked"]
