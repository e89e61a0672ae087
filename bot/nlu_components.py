"""Custom Rasa 3.6 NLU components for PowerDesk's Chinese pipeline.

(The tokenizer, bot/tokenizer.py, and the intent classifier, bot/intent_classifier.py,
are the components whose code changes what the model learns, so scripts/train_model.py
retrains from scratch when they change; these components run at inference only and
take effect without retraining.)

- ``IntentGuard``: what words make certain (a danger such as 电线打火 is an outage
  report; 不是投诉; 交话费 is another bill) corrects the classifier before the
  fallback decides.
- ``EntityNormalizer``: DIET and RegexEntityExtractor may both find the same
  户号; this keeps one entity per span, rejoins addresses DIET tagged in
  pieces, and turns the text into the canonical value from
  ``services.textnorm`` so slots and actions never parse raw text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from services import clock
from services.bill_topic import names_bill_only
from services.cost_question import asks_cost
from services.outage.triage import is_danger, ticket_id_in
from services.prompt_words import GREETING
from services.textnorm import (DECIMAL_LEAD, VAGUE_PREFIXES, VAGUE_SUFFIX, inside_chinese_digit_string,
                               normalize_entity)
from services.weather_question import asks_weather_temperature


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class EntityNormalizer(GraphComponent, EntityExtractorMixin):
    """One entity per span, with a normalized ``value`` and the original ``raw`` text.

    Runs after all extractors. Entities whose text cannot be normalized (a
    9-digit "户号", "一百多块") are dropped so the form asks again; addresses
    are free text and always kept.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Which entities trust the regex extractor over DIET, and which are free text."""
        return {
            "prefer_regex_for": ["account_no", "phone"],
            "free_text_entities": ["address"],
            # DIET tags unknown place names character by character and can
            # leave a gap inside one address: 余姚市梨洲街道[谭家]岭东路18号
            "max_free_text_gap": 2,
            # DIET may tag "千块" in "损失几千块" or "一百" in "一百多块": the
            # neighbouring 几/多 make the figure vague, so it is judged with them
            "quantity_entities": ["amount", "kwh"],
            # DIET may tag 八 of 二四六八 (digits read out one by one, the last four) as an
            # amount of 8元: a figure inside such a digit string is none of these
            "not_in_digit_strings": ["amount", "kwh", "month"],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._prefer_regex_for = set(config["prefer_regex_for"])
        self._free_text = set(config["free_text_entities"])
        self._max_gap = config["max_free_text_gap"]
        self._quantities = set(config["quantity_entities"])
        self._not_in_digit_strings = set(config["not_in_digit_strings"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityNormalizer:
        """Creates the component; it has nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace each message's entities by normalized, de-duplicated ones.

        Normalizing before de-duplicating means an unparseable guess (DIET
        tagging "充值￥50" as one entity) cannot push out a valid overlapping
        regex hit ("￥50").
        """
        today = clock.today()
        for message in messages:
            text = message.get(TEXT)
            entities = sorted(message.get(ENTITIES, []), key=lambda e: e.get("start", 0))
            normalized = [
                entity
                for entity in (self._normalize(e, text, today) for e in self._join_pieces(entities, text))
                if entity is not None
            ]
            message.set(ENTITIES, self._deduplicate(normalized), add_to_output=True)
        return messages

    def _priority(self, entity: Dict[Text, Any]) -> tuple:
        """Sort key: trusted regex hits first, then longer spans, then earlier ones."""
        trusted_regex = (
            entity.get("extractor") == "RegexEntityExtractor"
            and entity["entity"] in self._prefer_regex_for
        )
        length = entity.get("end", 0) - entity.get("start", 0)
        return (not trusted_regex, -length, entity.get("start", 0))

    def _deduplicate(self, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """Keep the best entity of every group of overlapping spans, in text order."""
        kept: List[Dict[Text, Any]] = []
        for entity in sorted(entities, key=self._priority):
            if not any(_overlaps(entity, other) for other in kept):
                kept.append(entity)
        return sorted(kept, key=lambda e: e.get("start", 0))

    def _join_pieces(
        self, entities: List[Dict[Text, Any]], text: Text
    ) -> List[Dict[Text, Any]]:
        """Join free-text entities of one type separated by a short gap of plain characters."""
        joined: List[Dict[Text, Any]] = []
        for entity in entities:
            previous = joined[-1] if joined else None
            if previous is not None and self._is_one_piece(previous, entity, text):
                joined[-1] = {**previous, "end": max(previous["end"], entity["end"])}
            else:
                joined.append(entity)
        return joined

    def _is_one_piece(self, first: Dict[Text, Any], second: Dict[Text, Any], text: Text) -> bool:
        """Whether two free-text entities are parts of one, e.g. one address."""
        if first["entity"] != second["entity"] or first["entity"] not in self._free_text:
            return False
        if "end" not in first or "start" not in second:
            return False
        gap = text[first["end"] : second["start"]]
        return len(gap) <= self._max_gap and all(ch.isalnum() for ch in gap)

    def _normalize(
        self, entity: Dict[Text, Any], text: Text, today: date
    ) -> Optional[Dict[Text, Any]]:
        """The entity with its canonical value and raw text, or None if unparseable."""
        raw = _entity_text(entity, text)
        if entity["entity"] in self._not_in_digit_strings and _in_digit_string(entity, text):
            return None  # 二四六八: a digit string, no amount of 8元
        judged = _with_vague_context(entity, text) if entity["entity"] in self._quantities else raw
        value = normalize_entity(entity["entity"], judged, today)
        if value is None and entity["entity"] in self._free_text:
            value = raw
        if value is None:
            return None
        normalized = {**entity, "value": value, "raw": raw}
        return self.add_processor_name(normalized)


def _overlaps(first: Dict[Text, Any], second: Dict[Text, Any]) -> bool:
    """Whether two entities share at least one character of the message."""
    if "start" not in first or "start" not in second:
        return False
    return first["start"] < second["end"] and second["start"] < first["end"]


def _in_digit_string(entity: Dict[Text, Any], text: Text) -> bool:
    """The entity's span is part of Chinese digits read out one by one (二四六八)."""
    if "start" not in entity or "end" not in entity or not text:
        return False
    return inside_chinese_digit_string(text, entity["start"], entity["end"])


def _with_vague_context(entity: Dict[Text, Any], text: Text) -> Text:
    """The quantity's text with an adjacent vague word (几, 好几, 数 / 多) kept on, or the
    whole part of a decimal whose fraction alone was tagged (零点|五元 is 0.5, not 5).

    textnorm treats "几千块" and "一百多块" as no figure at all; a tagger that
    left the vague word outside its span must not turn them into 1000 or 100.
    """
    raw = _entity_text(entity, text)
    if "start" not in entity or "end" not in entity or not text:
        return raw
    before = text[: entity["start"]]
    decimal = DECIMAL_LEAD.search(before)  # 零点|五元: the tagger took the fraction alone
    if decimal:
        return decimal[0] + raw
    prefix = next((p for p in VAGUE_PREFIXES if before.endswith(p)), "")
    suffix = VAGUE_SUFFIX if text[entity["end"] :].startswith(VAGUE_SUFFIX) else ""
    return prefix + raw + suffix


def _entity_text(entity: Dict[Text, Any], text: Text) -> Text:
    """The entity as the customer wrote it (synonym mapping may have changed ``value``)."""
    if "start" in entity and "end" in entity and text:
        return text[entity["start"] : entity["end"]]
    return str(entity.get("value", ""))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class IntentGuard(GraphComponent):
    """Corrections to the classifier that words make certain, before the fallback.

    - A danger (电线打火、冒烟、有人触电, 能泼水吗 …; services/outage/triage.py) is an
      outage report (certain), whatever the classifier thought: the bot's first words
      must be the safety advice.  A repair ticket's id (QX20261202-0001) asks for
      that ticket's progress.
    - The price paid for surplus solar power (上网电价, 卖电) is a knowledge-graph
      question, not a consumption tariff computation.
    - A usage figure asked the price of (这个月要是用三百度得交多少) is a tariff
      computation (services/cost_question.py), not a bill: no bill answers what a usage
      would cost.  (forecast_bill keeps it: the forecast computes from a stated figure.)
    - The bill named and nothing asked of it (电费, 电费的事, 我想弄下电费;
      services/bill_topic.py) is neither a lookup nor a top-up: a bare answer (inform,
      certain), so the bot asks which one (actions/clarify.py) instead of starting a form.
    - A correction with a new figure (不对 改成八十, 不是五十是八十, 二十 不对 三十) is no
      "no" and nothing out of scope: inform (certain), so the top-up takes the new amount
      instead of cancelling.
    - A request to pay said with its answers (我要交两百 户号… 尾号…), which the classifier
      takes for a bare answer (inform), is a top-up (certain).
    - A 户号 said on its own (三三零零零零零零零三, read out on a call) is an answer, not
      out of scope: inform, and the bot asks what it is for.
    - "我不是投诉": a customer who says it is not a complaint is believed; the next
      intent in the ranking is taken.
    - A greeting followed by a request (喂 你好 我想问下我家电费 户号是…, 早上好 我要报修)
      is the request: the classifier reads the greeting's characters and says greet.
      The request's intent keeps what the greeting had taken (its share, renormalized),
      below certain so the router still weighs it.
    - The weather's temperature (明天几度, 今天外面多少度, 杭州气温多少) is not ours: its 度
      is no kWh, so out_of_scope (certain), unless power or an appliance is named
      (空调开多少度, 今天用了多少度).
    - Other bills and utilities (交话费, 信用卡账单, 水费, 房租 …) named without any word
      of the power domain are not ours: a service intent becomes out_of_scope (certain),
      so the bot never asks for a 户号 or fills an electricity top-up from them.  The
      classifier cannot tell 交话费 from 交电费 reliably (one character apart); these
      lists can.
    - The reverse: a message that names the power business unambiguously (电费, 户号,
      发票, 欠多少 …) and no other bill is ours, so out_of_scope gives way to the best
      intent of ours in the ranking.  The negative set teaches the classifier that short
      generic questions (发票怎么开) are someone else's; on a power utility's line they
      are not.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "service_intents": ["query_bill", "top_up", "report_outage", "query_outage",
                                "ask_tariff", "forecast_bill", "complain", "faq"],
            # words of the power domain: any of them keeps the classifier's intent
            "power_words": ["电", "户号", "度", "峰谷", "阶梯", "国网", "95598", "抄表", "跳闸",
                            "空开", "漏电", "保险丝", "光伏", "并网", "增容", "过户", "表", "代扣", "变压器"],
            # words that on their own mean the power business (when no other bill is named)
            "business_words": ["电费", "户号", "停电", "电表", "电价", "供电", "用电", "电力", "国网", "代扣",
                               "95598", "过户", "发票", "光伏", "充电桩", "阶梯", "峰谷", "抄表", "跳闸",
                               "增容", "报装", "欠费", "欠多少", "还欠", "欠的", "欠着", "缴费", "交费", "余额"],
            # other bills, utilities and services a customer may name in a request
            "foreign_objects": ["话费", "手机费", "流量", "水费", "自来水", "停水", "燃气", "煤气", "天然气",
                                "暖气", "供暖", "取暖费", "物业", "房租", "租金", "宽带", "网费", "有线",
                                "信用卡", "花呗", "借呗", "白条", "贷款", "房贷", "车贷", "ETC", "etc",
                                "停车费", "油费", "加油", "社保", "医保", "公积金", "学费", "保险费",
                                "罚单", "违章", "快递", "外卖", "机票", "火车票", "酒店", "电影",
                                "电视剧", "电子邮件", "电脑", "水价", "水表", "燃气表", "煤气表", "二手车",
                                "余额宝", "银行卡", "支付宝余额", "打车", "电信", "移动", "联通", "英文"],
            # power words other utilities use too (水价阶梯, 燃气表, 二手车过户): with another
            # utility named, they do not make the message ours
            "shared_words": ["阶梯", "表", "过户", "抄表", "度"],
            "denied_complaint": "不是(要)?投诉|没(想|要)投诉|不投诉|别当成投诉",
            # the price paid for surplus solar power is a rule to look up (the knowledge
            # graph's pv_feed_in_price), never the consumption tariff table
            "feed_in_price": "上网电价|余电上网|卖电|卖给(电网|国家|国网|供电)|(光伏|发的电).{0,6}(多少钱一度|怎么算钱|收购价|卖多少)",
            # the intents a kWh figure asked the price of is taken from (ask_tariff itself is
            # made certain, so the router does not trade it for faq)
            "usage_cost_from": ["query_bill", "top_up", "ask_tariff", "inform", "faq", "out_of_scope"],
            # greetings a message may open with, and what makes the rest of it a request
            "greeting": GREETING,
            "request_words": r"报修|抢修|办理|申请|查询|查一下|查下|查个|查查|我要查|我查|看下|看看|交费|缴费|交个|"
                             r"充值|投诉|人工|过户|开户|销户|发票",
            "request_entities": ["account_no", "amount", "kwh", "month", "address", "phone"],
            # a request to pay, said with the answers (我要交两百 户号… 尾号…): the classifier
            # sees mostly figures and says inform
            "pay_request": r"(我要|我想|帮我|给我|想|要)(交|缴|充|预存|付)|充值|缴费|交费",
            # words that make a "no" with a figure a correction of that figure
            "correction": r"改成|改为|换成|变成|应该是|我是说|我是(充|交|缴)|是要|其实是|不是.{1,8}是|不对",
            # a figure (digits, or Chinese numerals the NLU may not tag without a unit)
            "figure": r"[0-9０-９]|[一二两三四五六七八九][十百千万]|[十百千]",
            # the request's own confidence, before the greeting's share is given back, below
            # which the classifier saw no request at all
            "least_request": 0.02,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._service = set(config["service_intents"])
        self._business = tuple(config["business_words"])
        self._foreign = tuple(config["foreign_objects"])
        self._power = tuple(config["power_words"])
        self._own_power = tuple(w for w in self._power if w not in set(config["shared_words"]))
        self._denied = re.compile(config["denied_complaint"])
        self._feed_in = re.compile(config["feed_in_price"])
        self._usage_cost_from = set(config["usage_cost_from"])
        self._greeting = re.compile(config["greeting"], re.IGNORECASE)
        self._request_words = re.compile(config["request_words"])
        self._request_entities = set(config["request_entities"])
        self._least_request = float(config["least_request"])
        self._correction = re.compile(config["correction"])
        self._pay_request = re.compile(config["pay_request"])
        self._figure = re.compile(config["figure"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentGuard:
        """Creates the component; it has nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get("intent") or {}).get("name")
            text = message.get(TEXT) or ""
            if is_danger(text):  # danger first, however it is worded or asked
                set_intent(message, "report_outage", 1.0)
            elif ticket_id_in(text):  # a repair ticket's id: its progress
                set_intent(message, "query_outage", 1.0)
            elif asks_weather_temperature(text):  # 明天几度: the weather, not kWh (services/weather_question.py)
                set_intent(message, "out_of_scope", 1.0)
            elif names_bill_only(text):  # 电费 alone: look it up or pay it? (asked)
                set_intent(message, "inform", 1.0)
            elif intent in ("deny", "out_of_scope") and self._corrects_a_figure(text):
                set_intent(message, "inform", 1.0)
            elif intent in ("ask_tariff", "forecast_bill") and self._feed_in.search(text):
                set_intent(message, "faq", 1.0)
            elif intent == "greet" and self._request_after_greeting(message, text):
                self._take_request_after_greeting(message)
            elif intent == "complain" and self._denied.search(text):
                self._take_next(message, exclude={"complain"})
            elif (intent in self._service or intent == "out_of_scope") and self._names_only_foreign(text):
                set_intent(message, "out_of_scope", 1.0)
            elif intent == "out_of_scope" and self._only_an_account_no(message, text):
                set_intent(message, "inform", 1.0)
            elif intent == "inform" and self._pay_request.search(text) and not self._asks_usage_cost(message, text):
                set_intent(message, "top_up", 1.0)
            elif intent in self._usage_cost_from and self._asks_usage_cost(message, text):
                set_intent(message, "ask_tariff", 1.0)
            elif intent == "out_of_scope" and self._names_our_business(text):
                self._take_next(message, exclude={"out_of_scope", "nlu_fallback"})
        return messages

    def _corrects_a_figure(self, text: Text) -> bool:
        """不对 改成八十: a new figure given with a word of correction."""
        correction = self._correction.search(text)
        return correction is not None and bool(self._figure.search(text[correction.start():]))

    @staticmethod
    def _only_an_account_no(message: Message, text: Text) -> bool:
        """The message is a 户号 and little else (我的户号是…, a number read out)."""
        for found in message.get(ENTITIES) or []:
            if found.get("entity") == "account_no" and "start" in found and "end" in found:
                rest = (text[: found["start"]] + text[found["end"]:]).strip()
                return len(rest) <= 6
        return False

    def _asks_usage_cost(self, message: Message, text: Text) -> bool:
        """A kWh figure and a question of what it costs: a tariff computation."""
        if text.startswith("/") or self._feed_in.search(text):
            return False
        return any(e.get("entity") == "kwh" for e in message.get(ENTITIES) or []) and asks_cost(text)

    def _request_after_greeting(self, message: Message, text: Text) -> bool:
        """What is left once the opening greetings are taken off asks for something of ours."""
        rest = text.strip()
        while (match := self._greeting.match(rest)) and match.end() > 0:
            rest = rest[match.end():]
        if len(rest) < 2:
            return False
        entities = {e.get("entity") for e in message.get(ENTITIES) or []}
        return bool(entities & self._request_entities or self._request_words.search(rest)
                    or any(w in rest for w in self._business) or any(w in rest for w in self._power))

    def _take_request_after_greeting(self, message: Message) -> None:
        """The best request of ours after greet takes the greeting's place; anything else
        (这边是供电服务热线吧) stays a greeting."""
        ranking = message.get("intent_ranking") or []
        greet = next((float(r.get("confidence") or 0.0) for r in ranking if r.get("name") == "greet"), 0.0)
        others = [r for r in ranking if r.get("name") not in ("greet", "nlu_fallback")]
        if not others or not (others[0]["name"] in self._service or others[0]["name"] == "request_human"):
            return
        best = float(others[0].get("confidence") or 0.0)
        asked = bool(self._request_words.search(message.get(TEXT) or ""))  # 喂 我查个电费: a request word
        if best < self._least_request and not asked:
            return  # the classifier saw no request at all: a greeting with small talk
        message.set("intent_ranking", others, add_to_output=True)  # the greeting is accounted for
        share = best / max(1e-9, 1.0 - greet)
        set_intent(message, others[0]["name"], min(0.99, max(share, 0.5) if asked else share))

    def _names_our_business(self, text: Text) -> bool:
        return any(w in text for w in self._business) and not any(w in text for w in self._foreign)

    def _names_only_foreign(self, text: Text) -> bool:
        """Another bill or service is named and nothing of the power domain is: once the
        other services' own words are taken out (电话's 电, 燃气表's 表), no power word
        remains but those other utilities share (阶梯, 表, 过户 …)."""
        if not any(word in text for word in self._foreign):
            return False
        return not any(word in self._without_foreign(text) for word in self._own_power)

    def _without_foreign(self, text: Text) -> Text:
        """The text without the other services' words, except where one overlaps a word of
        our business (停电信息 keeps its 停电, though 电信 is a telecom)."""
        ours = [m.span() for word in self._business for m in re.finditer(re.escape(word), text)]
        kept = list(text)
        for word in sorted(self._foreign, key=len, reverse=True):
            for match in re.finditer(re.escape(word), text):
                start, end = match.span()
                if not any(start < o_end and o_start < end for o_start, o_end in ours):
                    kept[start:end] = [""] * (end - start)
        return "".join(kept)

    def _take_next(self, message: Message, exclude: set) -> None:
        ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") not in exclude]
        if ranking:
            message.set("intent", {"name": ranking[0]["name"], "confidence": ranking[0].get("confidence")},
                        add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)


def set_intent(message: Message, name: Text, confidence: float) -> None:
    """Make ``name`` the intent with ``confidence``; the others share what is left, in the
    classifier's order, so the fallback does not call a decided turn ambiguous because the
    classifier's own first choice is still next to it."""
    others = [r for r in message.get("intent_ranking") or [] if r.get("name") != name]
    total = sum(float(r.get("confidence") or 0.0) for r in others) or 1.0
    rest = max(0.0, 1.0 - confidence)
    ranking = [{**r, "confidence": float(r.get("confidence") or 0.0) / total * rest} for r in others]
    message.set("intent", {"name": name, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": name, "confidence": confidence}, *ranking], add_to_output=True)
