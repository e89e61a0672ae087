"""The outbox: every message that is not the direct answer to a request (an agent's
reply, a late WeChat reply, a notice) is stored here before a channel sender
delivers it, so a crash, a closed socket or a failing channel loses nothing."""
