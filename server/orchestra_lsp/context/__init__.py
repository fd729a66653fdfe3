"""What goes into each prompt, within a token budget, and a manifest saying so."""

from orchestra_lsp.context.fit import ContextBudget, ConversationFitter, fit_to_budget
from orchestra_lsp.context.messages import message_tokens
from orchestra_lsp.context.models import Cut, FitResult, Manifest, Message, PartTokens, Source
from orchestra_lsp.context.tokens import count_tokens

__all__ = [
    "ContextBudget",
    "ConversationFitter",
    "Cut",
    "FitResult",
    "Manifest",
    "Message",
    "PartTokens",
    "Source",
    "count_tokens",
    "fit_to_budget",
    "message_tokens",
]
