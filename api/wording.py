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
