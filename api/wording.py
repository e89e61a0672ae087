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

# ---------------------------------------------------------------- handoff (api/handoff_flow.py)
# Outbox "notice" texts and the gateway's own replies while a human owns the conversation.
HANDOFF_QUEUED = "您已进入人工客服队列，前面还有{ahead}位客户在等待，客服接入后会在这里回复您。等待期间您发的消息都会转给客服。"
HANDOFF_QUEUED_NEXT = "您已进入人工客服队列，下一位就是您，客服接入后会在这里回复您。等待期间您发的消息都会转给客服。"
# Nobody online, or outside the hours agents answer: a callback instead of a wait.
HANDOFF_OFFLINE = ("现在{why}，暂时无法为您接通人工客服。您可以留下手机号和方便接听的时间（例如：13800001234 明天上午），"
                   "客服上班后给您回电；您的留言不会丢失。如遇停电、触电等紧急故障，请拨打95598供电服务热线（24小时）。"
                   "回复“取消”可以继续和智能客服小电对话。")
HANDOFF_OFFLINE_WHY_HOURS = "不是人工客服的服务时间（每天{hours}）"
HANDOFF_OFFLINE_WHY_NOBODY = "人工客服都不在线"
HANDOFF_CALLBACK_BOOKED = "已为您登记回电：{mobile}，{window}。客服会尽快给您回电。接下来您也可以继续向智能客服小电咨询。"
HANDOFF_CALLBACK_REMINDER = "人工客服暂时无法接入，您的留言已记录。如需回电，请留下手机号和方便接听的时间（例如：13800001234 明天上午）；回复“取消”可以继续和智能客服小电对话。"
HANDOFF_CANCELLED = "好的，已取消转人工。您可以继续向我咨询，我是智能客服小电。"
HANDOFF_AGENT_JOINED = "人工客服{agent}已为您接入，请问有什么可以帮您？"
HANDOFF_TRANSFERRED = "已为您转接给人工客服{agent}，请稍候。"
HANDOFF_BACK_TO_BOT = "本次人工服务已结束，接下来由智能客服小电继续为您服务。"
# The satisfaction question (outbox kind "csat", buttons "1分"…"5分" with payloads "1"…"5").
CSAT_QUESTION = "请为本次人工服务打分：5分非常满意，1分非常不满意。"
CSAT_THANKS = "感谢您的评价（{score}分），我们会继续改进服务。还有什么可以帮您？"
