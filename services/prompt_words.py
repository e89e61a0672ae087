"""What a customer says at a form's prompt that is no value for it, but still an answer
to the prompt: asking it to wait (等一下, 稍等), not being able to give the last four
digits of the registered mobile (手机号换了, 尾号不记得了), paying all that is owed
(全部, 全交了).  A greeting before such words (喂 稍等一下, 你好 等等) adds nothing to them.

The classifier reads such words as out of scope (or as a goodbye), which would break the
form with the wrong reply; KnowledgeRouter (bot/knowledge_router.py) makes them answers
(inform) at the prompt they fit, and the forms say what they do with them
(actions/identity.py, actions/topup.py).  Standard library only: the Rasa venv imports
it too.
"""
from __future__ import annotations

import re

_PARTICLES = re.compile(r"[\s,，.。!！?？~～、…呀啊哈呢吧嘛哦噢嗯额呃]+")

# A greeting a message may open with, and the particles after it (IntentGuard in
# bot/nlu_components.py reads a request after it; here it is filler before a wait).
_GREETING_WORDS = (r"(喂+|您好|你好|哈喽|哈啰|嗨|hello|hi|早上好|上午好|中午好|下午好|晚上好|早|在吗|在不在|小电)"
                   r"[呀啊哈呢吗嘛~～,，.。!！?？\s]*")
GREETING = "^" + _GREETING_WORDS
_GREETINGS = re.compile(rf"^(?:{_GREETING_WORDS})+", re.IGNORECASE)

# Asking the bot to wait, and nothing else (等等 我找一下, 等会儿 我找找户号: what is looked
# for is what the bot asks, never the bill itself); a figure or a request after it
# (等下 改成三百) is that answer instead.
_WAIT = re.compile(
    r"(?:(?:你|您|请|麻烦)?先?(?:等等|等一等|等一下|等下|等会儿?|等一会儿?|等我一下|等我下|等我|稍等一下|稍等片刻|稍等|"
    r"稍后|我去?(?:找找|找一下|找下|翻翻|翻一下|看看|看一下)(?:户号|手机号?|号码|尾号|缴费单|单子)?|"
    r"我想想|让我想想|我想一下))+")

# The registered mobile changed, or its last four (or which mobile it was) not known.
_CANNOT_GIVE_LAST4 = re.compile(
    r"(手机|号码|电话|预留|登记|留的).{0,6}(换了|换过|改了|变了|不用了|停用|停机|注销|丢了|没用了|不是我的?)|"
    r"(尾号|后四位|后4位|手机号|号码|哪个手机|哪个号|预留|登记).{0,8}(不记得|忘了|忘记|记不清|记不得|不知道|不清楚|想不起)|"
    r"(不知道|不记得|忘了|忘记|不清楚|记不清|想不起).{0,8}(预留|登记|哪个手机|哪个号|手机号|尾号|后四位|后4位)"
)

# Paying all that is owed ("全部交清", "欠多少交多少", or just "全部" at the amount prompt).
_PAY_ALL = re.compile(r"(全部|全都|全|都|一次性?)(交|缴|付|结|还)|(交|缴|结|还|付)(清|完)|欠多少(就)?(交|缴|付)多少|"
                      r"^(全部|全额|全都|所有的?|都)(的|了)?$")
_NOT_NOW = re.compile(r"不|别|取消|算了")


def without_filler(text: str) -> str:
    """The words that say something: without the greetings the text opens with and without
    particles and spaces (喂 你好 稍等一下啊 -> 稍等一下, 嗯 二四 六八 -> 二四六八)."""
    return _PARTICLES.sub("", _GREETINGS.sub("", (text or "").strip()))


def waits(text: str) -> bool:
    """The customer asks the bot to wait (等等, 稍等 我找一下, 喂 稍等一下) and says nothing else."""
    rest = without_filler(text)
    return bool(rest) and bool(_WAIT.fullmatch(rest))


def cannot_give_last4(text: str) -> bool:
    """The registered mobile changed, or its last four are not known (手机号换了)."""
    return bool(_CANNOT_GIVE_LAST4.search(text or ""))


def pays_all(text: str) -> bool:
    """Pay everything owed (全部交了, 欠多少交多少, 全部), unless it says not to."""
    rest = _PARTICLES.sub("", text or "")
    return bool(_PAY_ALL.search(rest)) and not _NOT_NOW.search(rest)
