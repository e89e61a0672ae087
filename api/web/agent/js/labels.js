// The console's Chinese labels for the API's codes (the agents are Chinese-speaking staff).

export const CHANNELS = {web: "网页", wechat: "微信", voice: "电话"};
export const STATUSES = {pending: "排队中", assigned: "接待中", resolved: "已结束", abandoned: "已放弃", callback: "待回访"};
export const REASONS = {
  request_human: "客户要求转人工", complain: "投诉", fallback: "机器人未能理解",
  faq_declined: "知识库答案未解决", identity_locked: "身份核验失败", danger_outage: "危险停电报修",
  payment_failed: "缴费失败",
};
export const ROLES = {agent: "坐席", supervisor: "班长"};
export const AUTHORS = {customer: "客户", bot: "小电（机器人）", agent: "坐席", system: "系统"};
export const PROFILE_FIELDS = [
  ["name", "姓名"], ["account_no", "户号"], ["mobile", "手机"], ["address", "地址"],
  ["segment", "用户类别"], ["tariff_plan", "电价"], ["billing_mode", "计费方式"],
  ["balance", "余额（元）"], ["arrears", "欠费（元）"], ["overdue_bills", "逾期账单"], ["next_due", "下次缴费日"],
];
export const UNMASKABLE = new Set(["name", "account_no", "mobile", "address"]);
export const BILLING_MODES = {postpaid: "后付费", prepaid: "预付费"};
export const BILL_STATUSES = {unpaid: "未缴", paid: "已缴", overdue: "逾期", partial: "部分缴纳"};
export const COMPLAINT_STATUSES = {open: "待联系", contacted: "已联系", closed: "已办结"};
export const CALLBACK_STATUSES = {open: "待回访", done: "已完成", failed: "未接通"};

export const label = (table, code) => (code in table ? table[code] : code ?? "");
export const priorityLabel = (priority) => (priority === 0 ? "紧急" : "普通");
