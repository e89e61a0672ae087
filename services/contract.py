"""The base of every service answer's typed model (billing, outage, forecasting schemas).

A service route declares its answer's model as ``response_model`` and the action server's
client (:mod:`actions.services_client`) parses the same JSON into it: one contract for
both sides.  An answer is a read-only value, and a field one side does not know is an
error on both sides, so a renamed field fails loudly instead of reading as ``None``.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Answers are read-only values; an unknown field is an error, on both sides."""

    model_config = ConfigDict(extra="forbid", frozen=True)
