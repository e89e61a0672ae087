"""Human handoff: the queue of conversations handed to human agents, the agents
themselves, and what they see and do (plain functions over the services' database; the
gateway's HTTP layer is api/agents.py and api/handoffs.py, the routing api/turns.py)."""
