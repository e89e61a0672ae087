"""PowerDesk configuration: one settings object, read from the environment.

Every Python 3.11 process (gateway, action server, services, scripts) reads its
configuration from here, so a deployment changes behaviour with environment
variables alone (prefix ``POWERDESK_``, e.g. ``POWERDESK_DATABASE_URL``).  The
defaults make ``make run`` work with nothing else installed: SQLite files under
``var/`` and every internal port on 127.0.0.1.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POWERDESK_", extra="ignore")

    var_dir: Path = VAR_DIR
    # One database for the services (billing, conversations); PostgreSQL by URL,
    # e.g. postgresql+psycopg://user:pw@127.0.0.1:5432/powerdesk
    database_url: str = f"sqlite:///{VAR_DIR / 'powerdesk.db'}"

    # The gateway is the only port meant to be exposed.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Internal processes, loopback only.
    rasa_url: str = "http://127.0.0.1:5005"
    # Several Rasa servers sharing one tracker store and lock store (the cluster):
    # comma-separated URLs the gateway spreads turns over; empty = rasa_url alone.
    rasa_urls: str = ""
    action_server_url: str = "http://127.0.0.1:5055"
    # The cluster's action servers (one behind each Rasa server), comma-separated, for the
    # gateway's health check; empty = action_server_url alone.
    action_server_urls: str = ""
    # Rasa's tracker store: empty = SQLite under var/; or a URL such as
    # postgresql://user:pw@127.0.0.1:5432/rasa.  Lock store: empty = in memory; or
    # redis://127.0.0.1:6379/0 when several Rasa processes share conversations.
    tracker_store_url: str = ""
    lock_store_url: str = ""
    # The services' own process (billing, kg …; services/app.py), loopback only:
    # where the action server reaches them.
    services_url: str = "http://127.0.0.1:8001"
    # Shared secrets between the internal processes (set real ones in production):
    # action server -> services; gateway -> Rasa's HTTP API (--auth-token);
    # Rasa -> action server (actions/server.py refuses calls without it).
    service_token: str = "dev-only-service-token"
    rasa_token: str = "dev-only-rasa-token"
    action_token: str = "dev-only-action-token"

    # Web chat sessions: the gateway signs each session token with this secret (set a
    # real one in production); a token is valid for session_ttl_min.
    session_secret: str = "dev-only-session-secret"
    session_ttl_min: float = 24 * 60
    # A channel user's conversation ends after this long without a message; the next
    # message starts a new one (nothing carried over).  Rasa's session_config agrees.
    conversation_timeout_min: float = 30.0
    # A verified 户号 must be verified again after this long without a message.
    verification_idle_min: float = 10.0

    # Web chat widget (/chat): the sites allowed to show it in a frame (CSP frame-ancestors),
    # e.g. "'self' https://www.example.com"; embed.js on any other site is refused the frame.
    widget_frame_ancestors: str = "'self'"

    # Tariff table used when the customer's own account is not known yet
    # (services/billing/tariffs/<province>.yml).
    default_province: str = "zhejiang"

    # Identity check (last 4 digits of the mobile): wrong answers in a row that lock the 户号.
    identity_max_failures: int = 3
    # Minutes the first lock lasts; each later one lasts twice as long (at most 24 hours).
    identity_lock_minutes: float = 15.0

    # Knowledge-graph retriever: any sentence-transformers model directory an
    # operator puts on disk; empty means the model the project trains itself.
    embedding_model_dir: str = ""

    # Voice channel (api/voice.py): the ASR gateway's bearer secret (set a real one in
    # production); below voice_min_confidence the caller is asked to repeat; after
    # voice_max_no_input reprompts of silence the call ends politely; a reply longer
    # than voice_max_speech_chars is read in parts ("还要继续听吗").
    voice_gateway_token: str = "dev-only-voice-gateway-token"
    voice_min_confidence: float = 0.5
    voice_max_no_input: int = 2
    voice_max_speech_chars: int = 120
    # WeChat Official Account (/wechat, api/wechat/): the token set in the account's
    # server configuration (empty = the endpoint is off), the AppID and AppSecret (the
    # customer-service API for late replies; without them late replies are only
    # recorded), the 43-character EncodingAESKey (safe mode), WeChat's API base URL,
    # and how long a passive reply may take before the endpoint answers "success" and
    # sends the reply later (WeChat waits 5 s).
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_encoding_aes_key: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_reply_deadline_s: float = 4.5
    # WeChat pushes (table wechat_pushes) are kept this long, then pruned; at least 48 h,
    # WeChat's customer-service window, which the pushes' times decide.
    wechat_push_keep_h: float = 72
    # Human handoff (handoff/): the hours agents answer, China time ("08:00-20:00");
    # outside them, or with nobody online, customers are offered a callback.
    handoff_hours: str = "08:00-20:00"
    # Assign new handoffs to the least-loaded online agent with room (else agents claim).
    handoff_auto_assign: bool = False
    # Agents' server-side sessions: lifetime (extended by use) and the cookie's Secure
    # flag (set true behind HTTPS).  Wrong passwords in a row before an agent's log-in
    # locks, and for how long.
    agent_session_ttl_min: float = 12 * 60
    agent_cookie_secure: bool = False
    agent_login_max_failures: int = 5
    agent_login_lock_min: float = 15.0

    # Timeouts (seconds) for the calls the gateway and the actions make.
    rasa_timeout_s: float = 15.0
    service_timeout_s: float = 10.0

    # Hardening (docs/security.md).  Request limits, on every route of the gateway:
    # a body larger than this is refused (413) before it is read whole; a URL or headers
    # larger than these are refused by the HTTP parser (api/http_protocol.py, 414 / 431);
    # a WebSocket frame larger than ws_max_bytes closes the socket (uvicorn --ws-max-size).
    max_body_bytes: int = 64 * 1024
    max_url_bytes: int = 8 * 1024
    max_header_bytes: int = 32 * 1024
    ws_max_bytes: int = 64 * 1024
    # Slow clients (api/http_protocol.py): a request's headers and body must have arrived
    # this many seconds after it began (or after the connection opened), else 408 and closed.
    request_read_timeout_s: float = 15.0
    # Rate limits (services/ratelimit.py, shared by every process; 429 with Retry-After).
    # Per client IP, on every public route except the channels' signed webhooks:
    requests_per_ip_per_min: int = 600
    # Per client IP on creating web sessions, and on chat turns per IP and per session:
    sessions_per_ip_per_hour: int = 60
    chat_per_ip_per_min: int = 120
    chat_per_session_per_min: int = 30
    # Per client IP on agents' log-in attempts (the per-agent lock after wrong passwords
    # is handoff/agents.py's): guessing across many agent names from one address.
    agent_logins_per_ip_per_hour: int = 60
    # Identity checks (services/billing/identity.py), on top of the lock after wrong answers:
    # attempts per account, wrong answers per client (the IP the gateway saw, passed on
    # by the action server), and wrong answers across all accounts (an alarm-level ceiling).
    identity_checks_per_account_per_hour: int = 20
    identity_failures_per_client_per_hour: int = 10
    identity_failures_per_hour: int = 5000
    # Browser policy (api/browser_policy.py): origins allowed to call the API from a page
    # (CORS) and to open the WebSocket, comma-separated; empty = same origin only.
    allowed_origins: str = ""


    @property
    def rasa_servers(self) -> list[str]:
        """The Rasa servers the gateway talks to (``rasa_urls``, else ``rasa_url``)."""
        return _urls(self.rasa_urls) or [self.rasa_url]

    @property
    def action_servers(self) -> list[str]:
        """The action servers behind the Rasa servers (``action_server_urls``, else ``action_server_url``)."""
        return _urls(self.action_server_urls) or [self.action_server_url]


def _urls(listed: str) -> list[str]:
    return [url.strip() for url in listed.split(",") if url.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (and var/secrets/:
    services/secret_files.py)."""
    from services.secret_files import checked_secrets_dir

    return Settings(_secrets_dir=checked_secrets_dir(VAR_DIR / "secrets"))
