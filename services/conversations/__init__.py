"""Conversations as the gateway sees them: every inbound and outbound message, stored
before anything else happens, and who is answering (the bot or a human agent)."""
