"""The billing router as the services' internal process mounts it (services.app), with its
error handlers and service-token check."""
import pytest
from fastapi.testclient import TestClient

from services.db import session_scope
from services.settings import get_settings


@pytest.fixture
def gateway(shared_db_url):
    from services.app import create_app
    from services.billing.api import get_session

    app = create_app()

    def test_session():
        with session_scope(shared_db_url) as session:
            yield session

    app.dependency_overrides[get_session] = test_session
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: Rasa is not needed
    client.headers["Authorization"] = f"Bearer {get_settings().service_token}"
    return client


def test_services_app_serves_billing_with_bilingual_errors(gateway):
    assert gateway.get("/billing/accounts/3300000001").json()["mobile"] == "138****5678"
    for path, status, code in (("/billing/accounts/3399999999", 404, "account_not_found"),
                               ("/billing/accounts/123", 422, "malformed_account_no")):
        response = gateway.get(path)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code and response.json()["error"]["message_zh"]
    response = gateway.get("/billing/accounts/3300000001", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["error"]["message_zh"]


def test_gateway_rejects_a_malformed_payment_body_without_paying(gateway):
    response = gateway.post("/billing/accounts/3300000002/payments",
                            json={"amount": True, "channel": "app"}, headers={"Idempotency-Key": "gw-bool"})
    assert response.status_code == 422 and "error" in response.json()
    assert gateway.get("/billing/accounts/3300000002").json()["balance"] == "8.60"
