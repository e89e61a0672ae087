"""What the customer's latest message can fill, given the question the form asked.

Why this exists: Rasa's own slot mappings fill a slot from any entity the NLU found,
and the NLU cannot tell 5678 (the phone's last four) from 200 yuan or a 户号 — the
count-vector featurizer turns every digit run into one ``__NUMBER__`` token.  So the
forms' slots have custom mappings, and the forms' ``extract_*`` methods read the
message here, for the slot actually asked:

- an answer to a prompt fills that prompt's slot only;
- what is given before it is asked (户号, an amount said with 元/块 or a pay verb, the
  last four said with 尾号/后四位) is kept when the form starts or at the 户号 prompt;
- a message that answers nothing and is a clear other request fills nothing, so the
  form is rejected and the rules for that request take over; so does a clear question
  (one the knowledge graph answers, or one IntentGuard was certain of), even with a
  figure in it (欠费3天会停电吗 is no 户号);
- a message that answers and then asks (3300000001 顺便问下过户要带什么: the router's
  ``knowledge.answer_end``) is read up to its second question: the words and entities
  of the question never fill a slot, and the form takes the question up.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker

from services.cost_question import asks_cost
from services.textnorm import normalize_entity, normalize_text

# Actions that belong to running a form; anything else after the latest user message
# means that message was already answered (the form is resuming after an interruption).
# (The second question of a two-question message is answered before the form's first run.)
_FORM_PLUMBING = {"action_listen", "action_extract_slots", "action_session_start",
                  "action_take_up_second_question"}

# Words that mark a figure as money or as a payment ("交一百", "充五十块", "预存两百元").
_MONEY = re.compile(r"[元块圆￥¥]|(交|缴|充|存|付|预存|充值|缴费)")
# A Chinese-numeral amount right after a pay verb, without a unit (充值五十, 交个一百五):
# the NLU's amount patterns need a unit for Chinese numerals.  A 十/百/千 must be in it,
# so 交一下 is no 1 yuan.
_PAY_FIGURE = re.compile(r"(?:交|缴|充值?|存|付)(?:个|了)?([零一二两三四五六七八九]*[十百千][零一二两三四五六七八九十百千万]*)(?![度月号日年])")
# The customer changing an amount already given ("改成两百", "不对 我是充两百").
_CHANGE = re.compile(r"改成|改为|换成|变成|改一下|不对|不是|还是|其实|重新|要充|要交|我是充|我是交")
# The new figure right after a change word (换成六十: the NLU tags no unitless Chinese numerals).
_CHANGED_TO = re.compile(r"(?:改成|改为|换成|变成|是|充|交|不对)\s*([0-9.]+|[零一二两三四五六七八九十百千万]+)(?:元|块钱?)?\s*(?:吧|啊|呀)?$")
# The last four digits said as such ("尾号5678", "后四位是5678").
_LAST4_CUE = re.compile(r"尾号|后四位|后4位|末四位|末4位")
# A figure: a message with one is meant as an answer, right or wrong.  Chinese digits
# count from three in a row (五六七八), so 查一下 is not a figure.
_DIGITS = re.compile(r"[0-9０-９]|[零〇洞幺一二两三四五六七八九十百千万]{3,}")

# Intents that are answers to a prompt rather than requests of their own.
ANSWER_INTENTS = {"inform", "nlu_fallback", None}


def requested_slot(tracker: Tracker) -> str | None:
    return tracker.get_slot("requested_slot")


def intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def answer_end(tracker: Tracker) -> int | None:
    """Where the answering part of the latest message ends: where a second question
    begins (the router marks it whether or not the question is ours); None: all of it."""
    start = (tracker.latest_message.get("knowledge") or {}).get("answer_end")
    if start is None:
        return None
    raw = tracker.latest_message.get("text") or ""
    return int(start) + len(raw) - len(raw.lstrip())  # the router read the stripped text


def text(tracker: Tracker) -> str:
    """The latest message's words, up to a second question it goes on to ask."""
    return normalize_text((tracker.latest_message.get("text") or "")[: answer_end(tracker)])


def is_button(tracker: Tracker) -> bool:
    """A button press arrives as its payload ("/top_up{...}"): what it carries is meant."""
    return text(tracker).startswith("/")


def entity(tracker: Tracker, name: str, last: bool = False) -> str | None:
    """The normalized value of the first (``last``: the last) ``name`` entity in the latest
    message (not in a second question it asks: 好的 顺便问下充200有优惠吗 gives no amount)."""
    end = answer_end(tracker)
    found_all = tracker.latest_message.get("entities") or []
    for found in reversed(found_all) if last else found_all:
        if end is not None and int(found.get("start") or 0) >= end:
            continue
        if found.get("entity") == name and found.get("value") not in (None, ""):
            return str(found["value"])
    return None


def turn_key(tracker: Tracker) -> str | None:
    """Which customer message the actions are answering: the conversation and the time
    Rasa stamped the latest user event with.  The actions of one turn (a form's
    validation, then its question or its answer) are separate calls that share it, so
    they read an account's summary once (``services_client.account_summary``)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return f"{tracker.sender_id}:{event.get('timestamp')}"
    return None


def quantity(entity: str, value: Any) -> Decimal | None:
    """An ``amount`` or ``kwh`` read by the NLU's own rule (``textnorm.normalize_entity``,
    which the EntityNormalizer applies): a value the NLU already normalized comes back
    unchanged, a customer's raw answer is read the same way, so the NLU and the actions
    never disagree about a figure."""
    text = normalize_entity(entity, str(value or ""))
    return None if text is None else Decimal(text)


def is_fresh(tracker: Tracker) -> bool:
    """Whether the latest user message is still unanswered.

    False when the form runs again after another action answered the message (an FAQ
    asked in the middle of a top-up): that message must not fill the form's slots.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in _FORM_PLUMBING \
                and not str(event.get("name", "")).endswith("_form"):
            return False
    return True


def started_now(tracker: Tracker, form: str) -> bool:
    """Whether ``form`` was activated by the latest user message (its first run).

    Checked from the events, because at activation ``requested_slot`` may still hold
    the previous form's question.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == form:
            return True
    return False


def form_trigger_text(tracker: Tracker, form: str) -> str:
    """The words of the message that last started ``form`` (the question it answers)."""
    started = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            started = True
        elif started and event.get("event") == "user":
            return normalize_text(event.get("text") or "")
    return text(tracker)


def last_bot_response(tracker: Tracker) -> str | None:
    """The domain response the bot said last before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action")
    return None


def states_amount(tracker: Tracker) -> str | None:
    """An amount the customer stated as money or as a payment, not a bare figure."""
    amount = entity(tracker, "amount")
    if amount and (is_button(tracker) or _MONEY.search(text(tracker))):
        return amount
    after_a_verb = _PAY_FIGURE.search(text(tracker))
    return normalize_entity("amount", after_a_verb[1]) if after_a_verb else None


def changes_amount(tracker: Tracker) -> str | None:
    """A new amount given with a change word or as money (改成三百, 不对 是两百块); of
    two, the one said last (不是五十 是八十)."""
    said = text(tracker)
    changed_to = _CHANGED_TO.search(said)  # the figure said last, after the change word
    amount = (normalize_entity("amount", changed_to[1]) if changed_to else None) or entity(tracker, "amount", last=True)
    if amount and (_CHANGE.search(said) or states_amount(tracker)):
        return amount
    return None


def states_last4(tracker: Tracker) -> str | None:
    """The phone's last four, when the customer said that is what the digits are."""
    last4 = entity(tracker, "last4")
    return last4 if last4 and _LAST4_CUE.search(text(tracker)) else None


def asks_usage_cost(tracker: Tracker) -> bool:
    """The latest message gives a kWh figure and asks what it costs: a computation
    (IntentGuard makes most of them ask_tariff; a forecast_bill one is computed by the
    forecast form), never an answer to a prompt."""
    return entity(tracker, "kwh") is not None and asks_cost(text(tracker))


def asks_something_else(tracker: Tracker, own_intent: str) -> bool:
    """A clear question or request that is not an answer to the prompt, even with a
    figure in it: a question the knowledge graph answers (the router kept it faq inside
    the form), what a usage costs (三百度电多少钱), or another request IntentGuard was
    certain of (a danger).  A message that answers first and asks second is an answer
    (see ``text``)."""
    if is_button(tracker) or answer_end(tracker) is not None:
        return False
    found = tracker.latest_message.get("intent") or {}
    if found.get("name") == "faq":
        return bool((tracker.latest_message.get("knowledge") or {}).get("confident"))
    certain = float(found.get("confidence") or 0) >= 1.0 or asks_usage_cost(tracker)
    return found.get("name") not in (*ANSWER_INTENTS, own_intent) and certain


def looks_like_an_answer(tracker: Tracker) -> bool:
    """A figure, or an intent that only answers: worth a format hint if it is wrong."""
    return intent(tracker) in ANSWER_INTENTS or bool(_DIGITS.search(text(tracker)))


def slots_from(values: dict[str, Any]) -> dict[str, Any]:
    """Drop the slots nothing was found for."""
    return {slot: value for slot, value in values.items() if value is not None}
