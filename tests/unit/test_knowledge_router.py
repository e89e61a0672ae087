"""KnowledgeRouter without the services: the classifier decides alone, and a down
service costs one failed call, not one per turn.  Runs in the Rasa venv (the component
imports Rasa), against a loopback port where nothing listens."""
from __future__ import annotations

import json
import os
import socket
import subprocess

from services.settings import REPO_ROOT

SNIPPET = """
import json, sys, time
from rasa.shared.nlu.training_data.message import Message
from bot.knowledge_router import KnowledgeRouter

router = KnowledgeRouter(KnowledgeRouter.get_default_config())
def parse(text, intent, confidence):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence},
                                               {"name": "faq", "confidence": 0.2}]})
    started = time.monotonic()
    router.process([message])
    return {"intent": message.get("intent")["name"], "knowledge": message.get("knowledge"),
            "seconds": time.monotonic() - started}
print(json.dumps([parse("晚交电费要交多少违约金", "forecast_bill", 0.6),
                  parse("欠费多久会停电", "faq", 0.2),
                  parse("查下电费 顺便问下过户要什么材料", "query_bill", 0.7)]))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_in_rasa_venv(snippet: str) -> object:
    """What ``snippet`` prints last (JSON), run in the Rasa venv with the services unreachable."""
    result = subprocess.run(
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "python"), "-c", snippet],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
             "POWERDESK_SERVICES_URL": f"http://127.0.0.1:{closed_port()}"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_the_services_the_classifier_decides_alone() -> None:
    late_fee, unsure_faq, two_questions = run_in_rasa_venv(SNIPPET)
    assert [late_fee["intent"], unsure_faq["intent"], two_questions["intent"]] == ["forecast_bill", "faq", "query_bill"]
    assert all(parse["knowledge"] is None for parse in (late_fee, unsure_faq, two_questions))
    # after the first failure the retriever is not asked again for a while: no second wait
    assert unsure_faq["seconds"] < 0.05 and two_questions["seconds"] < 0.05


HUMAN_OFFER_SNIPPET = """
import json
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from bot.knowledge_router import KnowledgeRouter

router = KnowledgeRouter(KnowledgeRouter.get_default_config())
def after(reply, text, intent):
    tracker = DialogueStateTracker.from_events("c", [UserUttered("手机号换了"),
                                                    BotUttered("…", metadata={"utter_action": reply})])
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}]})
    router.process([message], tracker)
    return message.get("intent")["name"]
print(json.dumps([after("utter_cannot_verify", "好", "affirm"),
                  after("utter_billing_unavailable", "帮我转一下", "out_of_scope"),
                  after("utter_ask_last4", "好", "affirm"),
                  after("utter_payment_unconfirmed", "好", "affirm"),
                  after("utter_cannot_verify", "5678", "inform")]))
"""


def test_a_yes_to_a_reply_that_offers_a_human_asks_for_one() -> None:
    """好 / 帮我转一下 right after 手机号换了's reply (its one offer: a human) is request_human;
    a yes to a prompt or to the payment's retry, or a last four found after all, is not."""
    assert run_in_rasa_venv(HUMAN_OFFER_SNIPPET) == [
        "request_human", "request_human", "affirm", "affirm", "inform"]
