"""LinearIntentClassifier (bot/intent_classifier.py): trains, persists through Rasa's model
storage and loads back to the same predictions; its rankings are probabilities; the
temperature fit recovers a known temperature; an input unlike any intent gets a
confidence the fallback (0.3, config.yml) catches, while a clear request does not.

Runs in the Rasa venv (the component imports Rasa) as a subprocess, like
test_knowledge_router.py."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from services.settings import REPO_ROOT

SNIPPET = r"""
import json, sys
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.special import softmax
from bot.intent_classifier import LinearIntentClassifier, fit_temperature

TINY = {
    "query_bill": ["查电费", "我家电费多少", "帮我查下这个月电费", "电费余额还剩多少", "查一下欠费",
                   "上个月用了多少度电", "看看电费账单", "电费交了没"],
    "greet": ["你好", "您好", "在吗", "早上好", "哈喽", "你好呀", "嗨", "晚上好"],
    "report_outage": ["家里停电了", "突然没电了", "整栋楼都停电了", "我家跳闸了来不了电", "小区停电了",
                      "楼道灯都不亮了 停电", "半夜停电了", "怎么又停电了"],
}
PROBES = ["查电费", "你好", "停电了", "家里没电了快来人"]

def classifier(storage, config, data):
    context = ExecutionContext(GraphSchema({}), "test")
    component = LinearIntentClassifier.create({**LinearIntentClassifier.get_default_config(), **config},
                                             storage, Resource("intent_classifier"), context)
    resource = component.train(data)
    loaded = LinearIntentClassifier.load({**LinearIntentClassifier.get_default_config(), **config},
                                         storage, resource, context)
    return component, loaded

def parse(component, text):
    message = Message(data={"text": text})
    component.process([message])
    return {"intent": message.get("intent"), "ranking": message.get("intent_ranking")}

storage = Path(sys.argv[1])
(storage / "tiny").mkdir()
(storage / "full").mkdir()
tiny = TrainingData([Message(data={"text": t, "intent": i}) for i, ts in TINY.items() for t in ts])
trained, loaded = classifier(LocalModelStorage(storage / "tiny"), {"ranking_length": 0}, tiny)
tiny_result = {"trained": [parse(trained, t) for t in PROBES], "loaded": [parse(loaded, t) for t in PROBES],
               "temperature": loaded.model.temperature}
_, full = classifier(LocalModelStorage(storage / "full"), {}, load_data("nlu_data/train"))
full_result = {t: parse(full, t) for t in ["帮我查一下上个月的电费", "🙂🙂", "Жук", "。。。"]}

rng = np.random.default_rng(0)
scores = rng.normal(size=(4000, 6)) * 3
gold = np.array([rng.choice(6, p=p) for p in softmax(scores / 2.0, axis=1)])
print(json.dumps({"tiny": tiny_result, "full": full_result, "recovered_t": fit_temperature(scores, gold)},
                 ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    storage = tmp_path_factory.mktemp("intent-model-storage")
    completed = subprocess.run(
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "python"), "-c", SNIPPET, str(storage)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_a_loaded_model_predicts_what_the_trained_one_did(result: dict) -> None:
    assert result["tiny"]["loaded"] == result["tiny"]["trained"]
    assert [p["intent"]["name"] for p in result["tiny"]["loaded"]] == \
        ["query_bill", "greet", "report_outage", "report_outage"]


def test_the_ranking_is_a_probability_distribution_best_first(result: dict) -> None:
    for parse in result["tiny"]["loaded"]:
        confidences = [r["confidence"] for r in parse["ranking"]]
        assert {r["name"] for r in parse["ranking"]} == {"query_bill", "greet", "report_outage"}
        assert sum(confidences) == pytest.approx(1.0)
        assert confidences == sorted(confidences, reverse=True)
        assert parse["intent"] == parse["ranking"][0]
    assert result["tiny"]["temperature"] > 0


def test_the_temperature_fit_recovers_the_temperature_that_made_the_labels(result: dict) -> None:
    assert result["recovered_t"] == pytest.approx(2.0, rel=0.1)


def test_a_clear_request_is_confident_and_a_message_of_unseen_characters_falls_back(result: dict) -> None:
    full = result["full"]
    assert full["帮我查一下上个月的电费"]["intent"]["name"] == "query_bill"
    assert full["帮我查一下上个月的电费"]["intent"]["confidence"] > 0.7
    for text in ("🙂🙂", "Жук", "。。。"):  # nothing the classifier has seen
        assert full[text]["intent"]["confidence"] < 0.3, (text, full[text]["intent"])
    assert len(full["Жук"]["ranking"]) == 10  # ranking_length as Rasa's classifiers
