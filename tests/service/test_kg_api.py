"""The knowledge-graph HTTP router through FastAPI's TestClient, on the real retriever."""
from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from services.kg.api import router

BASE = "/api/v1/kg"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix=BASE)
    return TestClient(app)


def test_search_returns_answers_with_sources(client):
    response = client.get(f"{BASE}/search", params={"q": "二手房电费怎么过户", "k": 3})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 3
    top = body["results"][0]
    assert top["topic"] == "ownership_transfer"
    assert set(top) == {"topic", "question", "answer", "score", "sources"}
    assert isinstance(body["confident"], bool)
    assert all(source["title"] for source in top["sources"])


def test_topic_subgraph(client):
    body = client.get(f"{BASE}/topics/new_connection_residential").json()
    ids = {node["id"] for node in body["nodes"]}
    assert {"new_connection_residential", "time.residential_connection", "channel.app"} <= ids
    assert {"source": "new_connection_residential", "target": "time.residential_connection", "type": "time_limit"} in body["edges"]


def test_facts_by_aspect(client):
    body = client.get(f"{BASE}/topics/repair_commitment/facts", params={"aspect": "time_limit"}).json()
    assert body["topic"] == "repair_commitment" and body["aspect"] == "time_limit"
    assert any("45分钟" in fact["text"] for fact in body["facts"])
    assert body["sources"]


def test_followup_maps_the_question_to_an_aspect(client):
    body = client.get(f"{BASE}/topics/name_change/followup", params={"q": "需要带什么材料"}).json()
    assert body["aspect"] == "materials"
    assert "户主有效身份证件" in body["answer"]


@pytest.mark.parametrize("path", ["/topics/no_such_topic", "/topics/no_such_topic/facts?aspect=fees"])
def test_unknown_topic_is_404(client, path):
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "topic_not_found"
    assert response.json()["error"]["message_zh"]


@pytest.mark.parametrize("path, code", [
    ("/search?q=", "empty_query"),
    ("/search?q=%20%20", "empty_query"),
    ("/search?q=" + "电" * 201, "query_too_long"),
    ("/search?q=电费&k=0", "invalid_k"),
    ("/topics/invoice/facts?aspect=color", "unknown_aspect"),
    ("/topics/invoice/followup?q=谢谢", "no_aspect"),
])
def test_bad_input_is_422_with_a_clear_message(client, path, code):
    response = client.get(BASE + path)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["message_zh"]


def test_customers_see_document_names_and_agents_see_the_full_reference(client):
    body = client.get(f"{BASE}/search", params={"q": "电费违约金怎么算", "k": 1}).json()
    top = body["results"][0]
    assert top["topic"] == "late_fee"
    titles = [source["title"] for source in top["sources"]]
    assert "《供电营业规则》" in titles and not any(c.isascii() and c.isalpha() for t in titles for c in t)
    nodes = {node["id"]: node for node in client.get(f"{BASE}/topics/late_fee").json()["nodes"]}
    assert "ndrc.gov.cn" in nodes["fee.late_fee"]["source_ref"] and "核对于" in nodes["fee.late_fee"]["source_ref"]


def test_a_followup_cites_no_unverified_source(client):
    body = client.get(f"{BASE}/topics/payment_channels/followup", params={"q": "在哪里能交"}).json()
    assert "支付宝" in body["answer"] and "为准" in body["answer"]
    assert all(source["key"] != "third_party_payment" for source in body["sources"])


def test_answers_are_for_the_customers_province(client):
    """The province the question names, else the verified account's: never another's."""
    named = client.get(f"{BASE}/search", params={"q": "浙江的谷电时间是几点", "k": 1}).json()["results"][0]
    assert "浙江" in named["answer"] and "北京" not in named["answer"]
    given = client.get(f"{BASE}/search", params={"q": "谷电时间是几点", "k": 1, "province": "beijing"}).json()
    assert "北京" in given["results"][0]["answer"] and "浙江" not in given["results"][0]["answer"]
    unknown = client.get(f"{BASE}/search", params={"q": "谷电时间是几点", "k": 1}).json()["results"][0]
    assert "浙江" in unknown["answer"] and "北京" in unknown["answer"]  # each labelled
