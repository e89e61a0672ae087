"""What the gateway itself says to customers, per channel: one template module.

The bot's replies live in the domain's responses (bot/domain.yml, with channel
variants); these are the few texts the gateway and the channel adapters say without
asking the bot: when the bot cannot be reached, while a human owns the conversation,
and the channels' own protocol prompts.  Channel adapters add their texts here, in a
section of their own, so every customer-facing sentence has one home.
"""
from __future__ import annotations

# Any channel: the bot (Rasa or the action server) could not be reached; the message is stored
# (status failed) but nothing replays it, so the customer is asked to try again (said on
# every channel, the phone too).
APOLOGY = "非常抱歉，系统暂时有点忙，刚才的内容没能处理完，请稍后再试一次。着急的话也可以拨打95598供电服务热线。"
# Any channel: a human agent owns the conversation; the message waits in their queue.
WAITING_FOR_AGENT = "您的消息已转给人工客服，请稍候，客服人员会尽快回复您。"

# Voice (api/voice_dialog.py): what the caller hears without asking the bot.
# The call has just been answered.
VOICE_GREETING = "您好，这里是电力智能客服小电。请问有什么可以帮您？您可以说查电费、交电费或者停电报修。"
# The recogniser's best guess was below the confidence threshold: nothing went to the bot.
VOICE_LOW_CONFIDENCE = "不好意思，刚才没有听清，请您再说一遍。"
# Speech that matched nothing (MRCP 001 no-match, 003 recognition-timeout, 007 speech-too-early).
VOICE_NO_MATCH = "抱歉，我没能听明白，请您换个说法再说一遍。"
# MRCP 008 too-much-speech-timeout.
VOICE_TOO_LONG = "抱歉，您说的内容有点长，请简短地再说一遍。"
# Silence: said before the last prompt again ({prompt}).
VOICE_NO_INPUT = "抱歉，没有听到您的声音。{prompt}"
# Silence after the last reprompt: the call ends.
VOICE_GOODBYE_NO_INPUT = "很抱歉，一直没有听到您的声音，本次通话先结束了。如有需要请再次来电，感谢您的来电，再见。"
# The bot handed the call to a human: said before the transfer.
VOICE_TRANSFER = "正在为您转接人工客服，请不要挂机。"
# A long answer is read in parts; each part but the last ends with this question.
VOICE_MORE = "还要继续听吗？请说“继续”或按1，不用了请说“不用”或按2。"
# The caller did not want the rest of a long answer.
VOICE_STOP_READING = "好的。请问还有什么可以帮您？"
# A button of the bot's reply as a spoken choice ({title} twice, {number} its key).
VOICE_CHOICE = "{title}请说“{title}”或按{number}"
# Words (and keys) that ask for the rest of a long answer, or decline it.
VOICE_CONTINUE_WORDS = ("要", "继续", "要的", "好", "好的", "嗯", "是", "是的", "继续听", "接着说", "1")
VOICE_STOP_WORDS = ("不用", "不用了", "不要", "不要了", "不听了", "算了", "2")
# --- WeChat Official Account (api/wechat/) -------------------------------------------
# Following the account (subscribe): who answers and what it can do.
WECHAT_WELCOME = ("您好，欢迎关注！我是供电服务智能客服小电，可以帮您查电费和账单、交电费、"
                  "停电报修、查询停电信息、了解电价和业务办理。直接发文字或语音告诉我您的问题就行，"
                  "也可以点下方菜单；需要人工客服请回复“转人工”。")
# Images, video, locations, links, files … (and an empty text): what the bot can read instead.
WECHAT_UNSUPPORTED = ("抱歉，我暂时看不懂图片、视频、位置和链接。请用文字或语音告诉我您的问题，"
                      "比如“查电费”“交电费”“停电报修”；需要人工客服请回复“转人工”。")
# A voice message WeChat could not turn into text (no Recognition field).
WECHAT_VOICE_UNRECOGNIZED = "抱歉，这条语音我没有听清。请再说一遍，或者直接发文字告诉我。"
# A text longer than the gateway takes in one message (api/schemas.py MAX_TEXT_CHARS).
WECHAT_TOO_LONG = "您的消息有点长，请分几次发送，每次不超过{limit}个字。"
# The account's menu (CLICK events): EventKey → what the customer is taken to have said;
# api/wechat/menu.py maps the same keys to the bot's intents.
WECHAT_MENU_LABELS = {
    "QUERY_BILL": "查电费",
    "TOP_UP": "交电费",
    "REPORT_OUTAGE": "停电报修",
    "HUMAN": "转人工",
}
# A human agent's message sent through the customer-service API: who is writing.
WECHAT_AGENT_REPLY = "【客服{author}】{text}"
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
# Hardening (api/request_limits.py, api/http_protocol.py, api/throttle.py): requests refused
# before any route reads them.  Said to whoever sent them, so in plain Chinese.
BAD_URL = "请求地址格式不正确，请检查后重试。"
BAD_HTTP = "请求格式不正确，无法处理。"
URL_TOO_LONG = "请求地址过长，无法处理。"
HEADERS_TOO_LARGE = "请求头过大，无法处理。"
BODY_TOO_LARGE = "发送的内容过大，请精简后再试。"
REQUEST_TIMEOUT = "请求发送超时，请检查网络后重试。"
TOO_MANY_REQUESTS = "您的操作太频繁了，请{wait}后再试。如需帮助也可以拨打95598供电服务热线。"
TOO_MANY_SESSIONS = "新建对话太频繁了，请{wait}后再试。"
# Agents' log-in attempts from one address (the console shows it).
TOO_MANY_LOGINS = "登录尝试过于频繁，请{wait}后再试。"
INVALID_TEXT = "消息中含有无法识别的字符，请修改后重新发送。"
# --- Web chat widget (api/widget.py, api/web/chat/) ------------------------------------
# The page's own texts.  The gateway writes them into index.html: each {{name}} there
# becomes its text, and chat.js reads them all from the page's JSON block (#wording).
WIDGET = {
    "pageTitle": "在线客服 · 小电",
    "barTitle": "电力客服 · 小电",
    "close": "关闭",
    "log": "对话记录",
    "quickReplies": "快捷回复",
    "placeholder": "请输入您的问题，如：查电费",
    "inputLabel": "输入消息",
    "send": "发送",
    "connecting": "正在连接客服…",
    "reconnecting": "网络连接已断开，正在重新连接…",
    "offline": "网络已断开，恢复后会自动重新连接",
    "reconnected": "已重新连接",
    "sending": "发送中",
    "failed": "发送失败，点击重试",
    "resending": "系统正在恢复，稍后自动重新发送",
    "newSession": "会话已过期，已为您开始新的对话",
    "modeBot": "智能客服 · 7×24小时在线",
    "modeHuman": "人工客服为您服务",
    "agent": "人工客服",
    "csatHint": "点击星星为本次服务评分",
    "csatThanks": "感谢您的评价",
    "csatScore": "{n}分",  # a star's title when the question came without its buttons
    "welcome": "欢迎使用电力在线客服。智能客服小电可以帮您查电费、交电费、停电报修、解答用电业务问题，请直接输入您的问题。",
    # Shown under the welcome of an empty conversation; sent as typed text.
    "starters": ["查电费", "交电费", "停电报修", "转人工"],
}
# embed.js, on other sites: the floating button's label (and the frame's title), and the
# button's label while the chat is open.
WIDGET_EMBED = {"open": "在线客服", "close": "关闭在线客服"}
