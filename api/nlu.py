"""POST /api/v1/nlu/parse: what the NLU understood, with normalized entity values."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import error_body
from api.rasa_client import BotUnavailable, RasaClient
from api.schemas import ParsedEntity, ParsedIntent, ParseRequest, ParseResponse

router = APIRouter()


def to_parse_response(parsed: dict) -> ParseResponse:
    """Rasa's parse result → ours.  The EntityNormalizer component has already put the
    normalized value in ``value`` and the text as written in ``raw``."""
    text = parsed.get("text", "")
    intent = parsed.get("intent") or {}
    entities = [
        ParsedEntity(
            entity=e["entity"],
            value=str(e.get("value", "")),
            raw=e.get("raw") or text[e.get("start", 0) : e.get("end", 0)],
        )
        for e in parsed.get("entities", [])
    ]
    return ParseResponse(
        intent=ParsedIntent(name=intent.get("name") or "nlu_fallback", confidence=float(intent.get("confidence") or 0.0)),
        entities=entities,
    )


@router.post("/nlu/parse", response_model=ParseResponse)
async def parse(body: ParseRequest, request: Request) -> ParseResponse | JSONResponse:
    rasa: RasaClient = request.app.state.rasa
    try:
        return to_parse_response(await rasa.parse(body.text))
    except BotUnavailable:
        return JSONResponse(
            status_code=503,
            content=error_body("nlu_unavailable", "The NLU server is not reachable.", "语义理解服务暂时不可用，请稍后再试。"),
        )
