"""Whether a customer's words ask the weather's temperature (明天几度, 今天外面多少度,
杭州气温多少): its 度 is no kWh, and the weather is not ours.

IntentGuard (bot/nlu_components.py) makes such a message out of scope; KnowledgeRouter
(bot/knowledge_router.py) says a second question of this kind is not ours (帮我查下电费
顺便问下明天几度), where its 度 would otherwise count as a word of the power business.
Standard library only: the Rasa venv imports it too.
"""
from __future__ import annotations

import re

# 温度/气温 are the weather's on their own; 几度/多少度 with a day or the outdoors
_TEMPERATURE = re.compile(r"气温|温度|(几|多少|零下)度.{0,4}$|摄氏")
_WEATHER_CONTEXT = re.compile(r"气温|温度|天气|今天|明天|后天|昨天|这几天|这两天|外面|室外|户外|白天|晚上|夜里|"
                              r"早上|中午|下午|周末|下周|这周|本周|最高|最低|降温|升温|出门|[省市县]")
# … unless it is about power or an appliance (空调开多少度, 今天用了多少度)
_NOT_WEATHER = re.compile(r"电|变压器|插座|空调|热水器|冰箱|地暖|暖气片|取暖器|壁挂炉|用了|用掉|走了|表|峰|谷|阶梯")


def asks_weather_temperature(text: str) -> bool:
    """A question about the weather's temperature, not about power or an appliance."""
    text = text or ""
    return bool(_TEMPERATURE.search(text) and _WEATHER_CONTEXT.search(text) and not _NOT_WEATHER.search(text))
