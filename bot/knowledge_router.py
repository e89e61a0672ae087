"""KnowledgeRouter: the service flow or the knowledge-graph answer, decided on every turn.

Why one component: a question about a rule is often worded with service words (晚交电费
要交多少违约金 sounds like a bill, 电表走得快能申请检测吗 like a complaint), and a short
request (帮我查下电费) can look like a question.  The classifier alone sees words; the
knowledge graph's retriever knows whether there is a rule answering the message.  So on
every turn whose intent is a service intent or faq this component asks the retriever
(the services process, ``GET /kg/search``) and decides from both confidences, the shape
of the message and the form in progress:

- a service intent becomes faq when the retriever is confident, the message is a
  question about a rule (not a request, not about the customer's own account), and the
  classifier either gave faq a real share or is not sure of its service intent;
- faq stays faq when the retriever is confident; when neither the retriever nor the
  classifier is sure and the message names nothing of the power business, it is out of
  scope (the out-of-scope reply says what the bot does) rather than three unrelated topics;
- inside a form the bar is a clear question: an answer to the form's prompt that the
  classifier took for faq goes back to the form (inform), so an FAQ never breaks a form
  unless the customer clearly asks one (the rules answer it and return to the form);
- inside a form, a forecast question with a stated kWh (一个月400度大概多少电费) is the
  tariff computation (ask_tariff), answered before the form's prompt again: the forecast
  flow would leave the form to compute the same figure;
- inside a form, a message that answers and then asks something not ours (地址 顺便问一下
  好看的电视剧), which IntentGuard calls out of scope as a whole, is the answer (inform)
  with its second question marked not ours;
- a request of ours followed by a question that is not (我家停电了 顺便问下今天天气) is the
  request (the best service intent in the classifier's ranking of the request's own
  words), its question marked not ours, rather than a fallback;
- a yes or no that says to pay (那交了吧, which the classifier often calls deny) is a
  top-up outside a form; inside one, a no that says to pay is neither a yes nor a no
  (the prompt is asked again), and a yes that says it (好 交吧) stays the yes;
- inside a form, words that answer its prompt without a value (services/prompt_words.py:
  等一下 at any prompt, 手机号换了 at the last-four prompt, 全部 at the amount prompt),
  which the classifier reads as out of scope or a goodbye, are answers (inform): the form
  says what it does with them; 等一下 outside a form is inform too, and is waited for;
- a yes (好, 可以, 行 那转吧) right after a reply whose one offer is a human (手机号换了 at
  the last-four prompt, a service down) takes the offer: request_human, so the
  conversation is handed over (mid-form too) rather than the prompt asked again;
- a goodbye that asks a rule question of ours (等一下 我先问下 违约金怎么算) is that
  question (faq), never the end of the conversation in the middle of a form;
- a second question in the same message (查下电费 顺便问下过户要什么材料) that the retriever
  is confident about is kept in the parse (``knowledge.second_question``) for the actions
  to answer; one that names nothing of the power business (3300000001 顺便问下今天天气) is
  kept marked ``not_ours``, so the actions say it is out of scope instead of answering
  it with the nearest topic (the retriever finds one for anything).

The evidence and the decision travel in the parse data as ``knowledge`` (topic,
confidence, confident, route, reason), so the logs and the actions can see why.

It degrades to the classifier alone: if the services cannot be reached (or answer with an
error) the intent is left as the classifier and IntentGuard made it, and the retriever
is not tried again for a short while, so a down service costs one timeout, not one per turn.
"""
from __future__ import annotations

import logging
import os
import re
import time
from typing import Any, Dict, List, Optional, Text

import requests
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_components import set_intent
from bot.second_question import REQUEST_RANKING, SECOND_QUESTION, request_part
from services.cost_question import asks_cost
from services.prompt_words import cannot_give_last4, pays_all, waits
from services.weather_question import asks_weather_temperature

log = logging.getLogger(__name__)

KNOWLEDGE = "knowledge"
# Where the services process is: the same POWERDESK_* variables services/settings.py
# reads (the Rasa venv has no pydantic-settings); scripts/stack.py passes them to Rasa.
SERVICES_URL_ENV = "POWERDESK_SERVICES_URL"
SERVICE_TOKEN_ENV = "POWERDESK_SERVICE_TOKEN"
DEFAULT_SERVICES_URL = "http://127.0.0.1:8001"
DEFAULT_SERVICE_TOKEN = "dev-only-service-token"


class KnowledgeSearch:
    """The retriever behind the services' ``/kg/search``, with a short memory of failure."""

    def __init__(self, base_url: Text, token: Text, timeout_s: float, retry_after_s: float) -> None:
        self._url = base_url.rstrip("/") + "/kg/search"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout_s = timeout_s
        self._retry_after_s = retry_after_s
        self._failed_at: Optional[float] = None

    @classmethod
    def from_environment(cls, timeout_s: float, retry_after_s: float) -> KnowledgeSearch:
        return cls(os.environ.get(SERVICES_URL_ENV, DEFAULT_SERVICES_URL),
                   os.environ.get(SERVICE_TOKEN_ENV, DEFAULT_SERVICE_TOKEN), timeout_s, retry_after_s)

    def search(self, text: Text) -> Optional[Dict[Text, Any]]:
        """``{topic, confidence, confident}`` of the best topic, or None if unavailable."""
        if self._failed_at is not None and time.monotonic() - self._failed_at < self._retry_after_s:
            return None
        try:
            response = requests.get(self._url, params={"q": text[:200], "k": 1},
                                    headers=self._headers, timeout=self._timeout_s)
            response.raise_for_status()
            found = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("knowledge-graph search unavailable, classifier only: %s", type(exc).__name__)
            self._failed_at = time.monotonic()
            return None
        self._failed_at = None
        results = found.get("results") or []
        return {
            "topic": results[0]["topic"] if results else None,
            "confidence": float(found.get("confidence") or 0.0),
            "confident": bool(found.get("confident")) and bool(results),
        }


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class KnowledgeRouter(GraphComponent):
    """Service flow or knowledge-graph answer, from both confidences and the form state."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "service_intents": ["query_bill", "top_up", "report_outage", "query_outage",
                                "ask_tariff", "forecast_bill", "complain"],
            "timeout_s": 2.0,
            # after a failed call the retriever is not asked again for this long
            "retry_after_s": 30.0,
            # a service intent the classifier is at least this sure of stays, unless the
            # classifier also gave faq at least `faq_share`.  These and the two `unsure_`
            # values below read the calibrated confidences of bot/intent_classifier.py and
            # were chosen by 5-fold CV on nlu_data/train (scripts/tune_intents.py,
            # reports/intent_tuning.md: within 0.001 macro-F1 of the best, the setting
            # that changes fewest values): sure_service 0.9 → 0.7, unsure_faq 0.5 → 0.7,
            # faq_share 0.1 → 0.15.
            "sure_service": 0.7,
            "faq_share": 0.15,
            # intents whose requests are themselves questions the graph has topics for
            # (一度电多少钱 is a tariff lookup): they go to faq only with the classifier's
            # faq share, never on the retriever's word alone
            "question_shaped_services": ["ask_tariff"],
            # faq with the retriever unsure: below both, and no power word, out of scope
            # (the retriever's own calibrated threshold is in reports/kg.md: it moves with
            # each build of the index, about 0.56–0.61 so far)
            "unsure_faq": 0.7,
            "unsure_kg": 0.5,
            # the confidence given to out_of_scope decided from both signals (above the fallback's 0.3)
            "not_ours_confidence": 0.5,
            # a question about a rule: how, how long, whether, what it costs …
            "question": r"[?？吗嘛么呢]|怎么|怎样|咋|如何|多久|多长|多少天|几天|几点|什么|啥|哪|为什么|为啥|能不能|可不可以|"
                        r"能否|会不会|要不要|是不是|有没有|收不收|管不管|算不算|给不给|退不退|赔不赔|多少|还是|谁|"
                        r"规定|政策|流程|手续|标准|条件|区别",
            # a request to do something now, or a question about the customer's own account
            "request": r"(帮我|给我|替我|麻烦你?|请你?)(查|看|交|缴|充|算|估|报|办)|我(要|想)(查|看|交|缴|充|报修|投诉)|"
                       r"^(查|看|交|缴|充|报修)(一下|一查|下)?|我家|我们家|我的(户|电费|账|余额|欠费)|我这|我们这|我们小区|我们村|我们楼|"
                       r"户号[是:：]?[0-9０-９]|[0-9０-９]{3,}|还剩|欠多少|余额多少|什么时候(来|有)电|几点来电|修好了没|"
                       r"到哪了|凭什么|这笔|那笔|一共|总共|有多少|欠了|欠的|还欠|有没有欠|欠不欠|欠没欠|是不是欠|欠费了(吗|没)|"
                       # … or about what is happening now (这次停电, 外面在修)
                       r"这次|这回|刚才|外面|正在|"
                       # … or about a month of one's own bills (这个月怎么交了这么多: 5-fold CV on
                       # nlu_data/train moved 3 bill questions from faq back, none the other way)
                       r"这个月|上个月|上月|本月|这期|上期|今年|去年",
            "power_words": ["电", "户号", "度", "峰谷", "阶梯", "国网", "95598", "抄表", "跳闸", "表",
                            "光伏", "并网", "增容", "过户", "发票", "违约金", "代扣", "营业厅", "费控", "欠费",
                            "余额", "缴费", "充值", "预存", "户头", "户名"],
            # intents that end a conversation: a rule question worded with their words
            # (等一下 我先问下 违约金怎么算) is answered instead
            "leaving_intents": ["goodbye"],
            # a yes or no that says to pay (那交了吧, 就交掉吧), unless it says not to
            "pay_now": r"(交|缴|付|充)(了|掉|上)?吧|那就?(交|缴|付|充)",
            "not_now": r"不|别|算了|取消|没|先等",
            # words with 电 in them that are not about power (电子社保卡; 电子发票 keeps its 发票)
            "other_electric": ["电视剧", "电视", "电影", "电脑", "电话", "电梯", "电子邮件", "电竞", "电商",
                               "电池", "电瓶", "电动车", "电信", "电子"],
            # a second question is ours when it names the power business or how it is done
            # (支付宝能交吗, 要带什么材料); anything else said after 顺便问下 is not
            "second_question_words": ["交", "缴", "充", "付", "支付宝", "微信", "材料", "手续", "办理",
                                      "营业厅", "客服", "人工", "新装", "报装", "销户", "更名"],
            # replies (bot/domain.yml) whose one offer is a human: a yes to them is 转人工
            "human_offers": ["utter_cannot_verify", "utter_identity_unavailable", "utter_billing_unavailable",
                             "utter_tariff_unavailable", "utter_faq_unavailable", "utter_outage_behind_meter"],
            # … and so is asking to be put through (帮我转一下, 那转吧), which alone reads as out of scope
            "put_through": r"转(吧|一下|下|过去|接|人工|客服|呗)|转$",
        }

    def __init__(self, config: Dict[Text, Any], search: Optional[KnowledgeSearch] = None) -> None:
        self._service = set(config["service_intents"])
        self._sure_service = config["sure_service"]
        self._faq_share = config["faq_share"]
        self._question_shaped = set(config["question_shaped_services"])
        self._unsure_faq = config["unsure_faq"]
        self._unsure_kg = config["unsure_kg"]
        self._not_ours = config["not_ours_confidence"]
        self._question = re.compile(config["question"])
        self._request = re.compile(config["request"])
        self._power = tuple(config["power_words"])
        self._second_words = self._power + tuple(config["second_question_words"])
        self._leaving = set(config["leaving_intents"])
        self._pay_now = re.compile(config["pay_now"])
        self._not_now = re.compile(config["not_now"])
        self._other_electric = tuple(config["other_electric"])
        self._human_offers = set(config["human_offers"])
        self._put_through = re.compile(config["put_through"])
        self._search = search or KnowledgeSearch.from_environment(config["timeout_s"], config["retry_after_s"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeRouter:
        """Creates the component; it has nothing to train or load."""
        return cls(config)

    def process(
        self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None
    ) -> List[Message]:
        """Route each message; ``tracker`` (None when parsing outside a conversation)
        tells whether a form is waiting for an answer."""
        form = tracker.active_loop_name if tracker is not None else None
        asked = tracker.get_slot(REQUESTED_SLOT) if form is not None else None
        for message in messages:
            if answers_the_prompt((message.get(TEXT) or "").strip(), asked):
                # the form says what it does with it; outside one, 等一下 is waited for
                # (action_clarify_inform), never "not my service"
                set_intent(message, "inform", 1.0)
                continue
            if tracker is not None and self._takes_the_human_offered(message, tracker):
                set_intent(message, "request_human", 1.0)  # the rules hand over (a form is left)
                continue
            self._route(message, form)
        return messages

    def _takes_the_human_offered(self, message: Message, tracker: DialogueStateTracker) -> bool:
        """A yes or 转一下 right after a reply whose one offer is a human (utter_cannot_verify …)."""
        name = (message.get("intent") or {}).get("name")
        text = (message.get(TEXT) or "").strip()
        if not (name == "affirm" or self._put_through.search(text)):
            return False
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return False  # only the bot's reply to the customer's last message counts
            if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") in self._human_offers:
                return True
        return False

    def _route(self, message: Message, form: Optional[Text]) -> None:
        intent = message.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        text = (message.get(TEXT) or "").strip()
        if form is not None and name == "forecast_bill" and self._states_usage_cost(message, text):
            # 一个月400度大概多少电费 at a prompt: the forecast would leave the form to compute
            # the same tariff figure; the tariff answer is given and the form goes on
            set_intent(message, "ask_tariff", 1.0)
            return
        if form is not None and name == "out_of_scope" and self._answers_first(message, text):
            # 拱墅区莫干山路50号 顺便问一下 最近有啥好看的电视剧: the answer is taken, the
            # question said to be out of scope (IntentGuard read the whole message as not ours)
            set_intent(message, "inform", 1.0)
            self._keep_second_question(message, "inform", text)
            return
        if form is None and self._request_then_not_ours(message, name, text):
            return  # 我家停电了 顺便问下今天天气: the request, its question said to be not ours
        if name in ("affirm", "deny") and self._pay_now.search(text) and not self._not_now.search(text):
            if form is None:  # 那就交了吧 after a bill: a top-up, whether read as yes or no
                set_intent(message, "top_up", 1.0)
                return
            if name == "deny":  # 那交了吧 read as no: never a cancel, nor a yes (asked again)
                set_intent(message, "inform", 1.0)
                return
            return  # 好 交吧 at a confirmation is the yes it says
        if name in self._leaving and self._asks_a_rule_of_ours(message, name, text):
            return  # 等一下 我先问下 违约金怎么算: a question, not a goodbye
        if name not in self._service and name not in ("faq", "out_of_scope"):
            self._keep_second_question(message, name, text)  # 3300000001 顺便问下过户要带什么
            return
        if text.startswith("/") or confidence >= 1.0:  # a button, or IntentGuard was certain
            return
        found = self._search.search(text)
        if found is None:
            return  # the services are unreachable: the classifier decides alone
        route, reason = self._decide(message, name, confidence, text, found, form)
        first = self._first_request(message, text) if route == "faq" else None
        if first is not None:  # 帮我交电费 还有个问题 …: the request first, the question kept
            route, reason = first, "a request, then a second question"
        # The fallback reads the confidence: a faq the retriever backs is as sure as the
        # retriever, and "not ours" decided from both signals is not a guess either.
        backed = (route == "faq" and found["confident"]) or (route == "out_of_scope" and not found["confident"])
        if route != name or backed:
            set_intent(message, route, max(confidence, found["confidence"] if route == "faq" else self._not_ours)
                        if backed else confidence)
        knowledge = {**found, "route": route, "reason": reason, "classified_as": name}
        split = self._split_second(text)
        if split is not None:
            knowledge["answer_end"] = split[0]
            second = self._second_question(text, split, route)
            if second:
                knowledge["second_question"] = second
        message.set(KNOWLEDGE, knowledge, add_to_output=True)

    def _decide(self, message: Message, name: Text, confidence: float, text: Text,
                found: Dict[Text, Any], form: Optional[Text]) -> tuple:
        """(intent, why) for a service or faq message, given the retriever's answer."""
        question = self.is_rule_question(text)
        if name == "out_of_scope":
            if not self._names_power(text):
                return name, "nothing of the power business in it"
            if found["confident"] and self.is_rule_question(text) and form is None:
                return "faq", "a rule question about the power business the knowledge graph answers"
            return name, "no rule of ours answers it"
        if name in self._service:
            if not (found["confident"] and question):
                return name, "no rule answers it" if not found["confident"] else "not a question about a rule"
            faq_share = _share(message, "faq")
            unsure = confidence < self._sure_service and name not in self._question_shaped
            if unsure or faq_share >= self._faq_share:
                return "faq", "a rule question the knowledge graph answers"
            return name, "the classifier is sure of the service"
        # faq
        if form is not None and not (found["confident"] and question):
            return "inform", f"an answer to {form}'s prompt, not a clear question"
        if found["confident"]:
            return "faq", "the knowledge graph answers it"
        if found["confidence"] < self._unsure_kg and confidence < self._unsure_faq and not self._names_power(text):
            return "out_of_scope", "neither the classifier nor the knowledge graph is sure, no power word"
        return "faq", "the classifier's faq, the knowledge graph unsure"

    @staticmethod
    def _states_usage_cost(message: Message, text: Text) -> bool:
        """A kWh figure and a question of what it costs (services/cost_question.py)."""
        return any(e.get("entity") == "kwh" for e in message.get("entities") or []) and asks_cost(text)

    def _asks_a_rule_of_ours(self, message: Message, name: Text, text: Text) -> bool:
        """A message the classifier took for a goodbye (等一下 我先问下 …) that asks a rule
        question of the power business the knowledge graph answers: made faq."""
        if not (self.is_rule_question(text) and self._names_power(text)):
            return False
        found = self._search.search(text)
        if found is None or not found["confident"]:
            return False
        set_intent(message, "faq", found["confidence"])
        message.set(KNOWLEDGE, {**found, "route": "faq", "reason": "a rule question, not a goodbye",
                                "classified_as": name}, add_to_output=True)
        return True

    def _answers_first(self, message: Message, text: Text) -> bool:
        """The message gives a value (an entity) before a second question it goes on to ask."""
        split = self._split_second(text)
        return split is not None and any(int(e.get("end") or 0) <= split[0] for e in message.get("entities") or []
                                         if "end" in e)

    def _request_then_not_ours(self, message: Message, name: Text, text: Text) -> bool:
        """A request of ours followed by a question that is not (我家停电了 顺便问下今天天气):
        the question's words pull the classifier off the request, so the best service
        intent in the ranking of the first part's own words is taken (sure enough for the
        fallback), and the question is kept marked not ours."""
        if name not in self._service and name != "out_of_scope":
            return False  # a rule question first (faq) or no request at all
        split = self._split_second(text)
        if split is None:
            return False
        first = text[: split[0]]
        if not (self._names_power(first) or self._request.search(first)):
            return False  # 我要投诉 is a request too, with no power word in it
        if self._second_is_ours(split[1]):
            return False  # a question of ours: the usual routing
        ranking = message.get("intent_ranking") or []
        # the request ranked on its own words (LinearIntentClassifier), else the whole message's
        request_ranking = message.get(REQUEST_RANKING) or ranking
        services = [r for r in request_ranking if r.get("name") in self._service]
        if not services:
            return False
        best = services[0]
        # the question's share of out_of_scope is accounted for (it is said to be not ours):
        # left in the ranking it would stand next to the request and make the fallback call
        # the turn ambiguous (我要报修 顺便问一下明天天气)
        message.set("intent_ranking", [r for r in ranking if r.get("name") != "out_of_scope"], add_to_output=True)
        set_intent(message, best["name"], max(float(best.get("confidence") or 0.0), self._not_ours))
        message.set(KNOWLEDGE, {"route": best["name"], "reason": "a request, then a question not ours",
                                "classified_as": name, "answer_end": split[0],
                                "second_question": {"text": split[1], "not_ours": True}}, add_to_output=True)
        return True

    def _second_is_ours(self, question: Text) -> bool:
        """A second question names the power business or how it is done, and is not the
        weather's temperature (明天几度: its 度 is no kWh)."""
        named = any(word in self._without_other_electric(question) for word in self._second_words)
        return named and not asks_weather_temperature(question)

    def _without_other_electric(self, text: Text) -> Text:
        """The text without words whose 电 is not power (电视剧, 电影, 电话 …)."""
        for word in self._other_electric:
            text = text.replace(word, "")
        return text

    def _names_power(self, text: Text) -> bool:
        """A power word in the text, once the words whose 电 is not power are taken out
        (电梯坏了 怎么报修 names nothing of ours)."""
        text = self._without_other_electric(text)
        return any(word in text for word in self._power)

    def is_rule_question(self, text: Text) -> bool:
        """A question about how things work, not a request or a question about one's own account."""
        return bool(self._question.search(text)) and not self._request.search(text)

    def _first_request(self, message: Message, text: Text) -> Optional[Text]:
        """The service intent of a message that makes a request and then asks a question.

        The classifier reads the whole message and the question's words often win; the
        request said first is what the customer wants done, the question is answered too."""
        first = request_part(text)
        if first is None or not self._request.search(first):
            return None
        services = [r for r in message.get("intent_ranking") or [] if r.get("name") in self._service]
        return services[0]["name"] if services else None

    def _keep_second_question(self, message: Message, name: Text, text: Text) -> None:
        """An answer to a form's prompt (inform, affirm …) that goes on to ask a question:
        the intent stays; where the question starts, and the question if it is ours, are
        kept for the form (it reads the answer before it and takes the question up)."""
        split = self._split_second(text)
        if split is None:
            return
        knowledge = {"route": name, "reason": "an answer, then a second question", "classified_as": name,
                     "answer_end": split[0]}
        second = self._second_question(text, split, name)
        if second:
            knowledge["second_question"] = second
        message.set(KNOWLEDGE, knowledge, add_to_output=True)

    def _split_second(self, text: Text) -> Optional[tuple]:
        """(where it begins, its words) of a second question (顺便问下 …, 另外 …) asked
        after the message's first words, or None: what comes before it is the first part."""
        match = SECOND_QUESTION.search(text)
        if match is None or match.start() == 0:
            return None
        rest = text[match.end():].strip(" ，,。、：:")
        # 顺便问下今天天气, 对了 明天周几: asked, whether or not it is worded as a question
        asked = bool(match.group(2)) or "问" in match.group(1) or match.group(1) == "对了"
        if asked and len(rest) >= 2:
            return match.start(), rest
        return (match.start(), rest) if len(rest) >= 4 and self._question.search(rest) else None

    def _second_question(self, text: Text, split: tuple, route: Text) -> Optional[Dict[Text, Any]]:
        """The later question of a message that asks two (``split``: where it begins, its
        words), if the retriever answers it; marked ``not_ours`` when it names nothing of
        the power business (the actions then say it is out of scope)."""
        start, rest = split
        if not self._second_is_ours(rest):
            return {"text": rest, "not_ours": True}  # 今天天气怎么样: out of scope, said so
        second = self._search.search(rest)
        if second is None or not (second["confident"] or self._names_power(rest)):
            return None  # not a question of ours
        if route != "faq":
            return {"text": rest, **second}
        # two rule questions: the retriever read the whole message as one, so the first
        # is searched on its own words too (actions/faq.py answers it from them)
        first_text = text[:start].strip(" ，,。、：:")
        first = self._search.search(first_text)
        if first is None or first["topic"] == second["topic"]:
            return None  # one question, said twice
        return {"text": rest, **second, "first_question": first_text}


def _share(message: Message, name: Text) -> float:
    """The classifier's confidence in ``name`` (0 if it is not in the ranking)."""
    for entry in message.get("intent_ranking") or []:
        if entry.get("name") == name:
            return float(entry.get("confidence") or 0.0)
    return 0.0


def answers_the_prompt(text: Text, asked: Optional[Text]) -> bool:
    """Words the classifier reads as out of scope (or a goodbye) that answer the form's
    prompt (services/prompt_words.py): 等一下 at any prompt (or when nothing is asked),
    手机号换了 at the last-four prompt, 全部 at the amount prompt."""
    return waits(text) or (asked == "last4" and cannot_give_last4(text)) or (asked == "amount" and pays_all(text))
