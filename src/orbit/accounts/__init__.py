"""Organizations, API keys and bearer-token verification: who is calling, for which organization."""
