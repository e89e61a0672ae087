"""What the gateway itself says to customers, per channel: one template module.

The bot's replies live in the domain's responses (bot/domain.yml, with channel
variants); these are the few texts the gateway and the channel adapters say without
asking the bot: when the bot cannot be reached, while a human owns the conversation,
and the channels' own protocol prompts.  Channel adapters add their texts here, in a
section of their own, so every customer-facing sentence has one home.
"""
from __future__ import annotations

# Any channel: the bot (Rasa or the action server) could not be reached; the message is stored.
APOLOGY = "非常抱歉，系统暂时有点忙，您的消息已经记录下来，我们会尽快处理。着急的话也可以拨打95598供电服务热线。"
# Any channel: a human agent owns the conversation; the message waits in their queue.
WAITING_FOR_AGENT = "您的消息已转给人工客服，请稍候，客服人员会尽快回复您。"

# Hardening (api/request_limits.py, api/http_protocol.py, api/throttle.py): requests refused
# before any route reads them.  Said to whoever sent them, so in plain Chinese.
BAD_URL = "请求地址格式不正确，请检查后重试。"
BAD_HTTP = "请求格式不正确，无法处理。"
URL_TOO_LONG = "请求地址过长，无法处理。"
HEADERS_TOO_LARGE = "请求头过大，无法处理。"
BODY_TOO_LARGE = "发送的内容过大，请精简后再试。"
TOO_MANY_REQUESTS = "您的操作太频繁了，请{wait}后再试。如需帮助也可以拨打95598供电服务热线。"
TOO_MANY_SESSIONS = "新建对话太频繁了，请{wait}后再试。"
INVALID_TEXT = "消息中含有无法识别的字符，请修改后重新发送。"
