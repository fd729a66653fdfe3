"""The Agent Client Protocol front end: `orchestra acp` over stdio (see `agent`)."""
