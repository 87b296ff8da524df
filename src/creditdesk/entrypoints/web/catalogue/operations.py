"""Chinese and English for: the operations page: jobs, webhooks, notifications."""

MESSAGES: dict[str, dict[str, str]] = {
    "ops_feed": {"en": "Event feed", "zh": "事件流"},
    "ops_feed_hint": {
        "en": "Every decision writes an event in its own transaction (the outbox); the worker publishes them in order, "
        "and the notifications and each webhook read the published feed from where they stopped.",
        "zh": "每项决策都在同一事务中写入一条事件（发件箱）；后台进程按顺序发布，"
        "通知和各个回调订阅从上次读到的位置继续读取。",
    },
    "ops_events": {"en": "Events written", "zh": "已写入事件"},
    "ops_last_published": {"en": "last published {at}", "zh": "最近发布于 {at}"},
    "ops_unpublished": {"en": "Not yet published", "zh": "尚未发布"},
    "ops_waiting_since": {"en": "waiting since {at}", "zh": "自 {at} 起等待"},
    "ops_unpublished_why": {
        "en": "The worker's relay publishes them on its next tick; if this stays, check that the worker runs.",
        "zh": "后台进程将在下一次轮询时发布；如持续未发布，请检查后台进程是否在运行。",
    },
    "ops_all_published": {"en": "all published", "zh": "已全部发布"},
    "ops_consumer_notifications": {"en": "Notifications read up to", "zh": "通知已读到"},
    "ops_consumer_webhook": {"en": "Webhook {id}", "zh": "回调订阅 {id}"},
    "ops_behind": {"en": "{count} events behind", "zh": "落后 {count} 条事件"},
    "ops_behind_why": {
        "en": "read on the worker's next tick.",
        "zh": "将在后台进程下一次轮询时读取。",
    },
    "ops_up_to_date": {"en": "up to date", "zh": "已是最新"},
    "ops_webhooks": {"en": "Webhook deliveries", "zh": "回调投递"},
    "ops_delivery_pending": {"en": "Pending", "zh": "待投递"},
    "ops_delivery_delivered": {"en": "Delivered", "zh": "已投递"},
    "ops_delivery_failed": {"en": "Failed", "zh": "失败"},
    "ops_next_attempt": {"en": "next attempt due {at}", "zh": "下次尝试时间 {at}"},
    "ops_failed_why": {
        "en": "A delivery fails after its last retry (the receiver answered with an error or could not be reached); "
        "an admin sends it again from the webhooks page.",
        "zh": "投递在最后一次重试后仍未成功即为失败（接收方返回错误或无法连接）；管理员可在回调订阅页面重新投递。",
    },
    "ops_failed_deliveries": {"en": "Failed deliveries", "zh": "失败的投递"},
    "ops_recent_deliveries": {"en": "Recent deliveries", "zh": "最近的投递"},
    "ops_delivery": {"en": "Delivery", "zh": "投递"},
    "ops_event": {"en": "Event", "zh": "事件"},
    "ops_status": {"en": "Status", "zh": "状态"},
    "ops_attempts": {"en": "Attempts", "zh": "尝试次数"},
    "ops_when": {"en": "When", "zh": "时间"},
    "ops_reason": {"en": "Last answer", "zh": "最近一次应答"},
    "ops_answered": {"en": "the receiver answered HTTP {status}", "zh": "接收方返回 HTTP {status}"},
    "ops_unreachable": {
        "en": "the receiver could not be reached (open for the error)",
        "zh": "无法连接接收方（展开查看错误详情）",
    },
    "ops_delivered_ok": {"en": "accepted", "zh": "已接收"},
    "ops_none": {"en": "None.", "zh": "无。"},
    "ops_manage_webhooks": {
        "en": "Manage webhooks and send failed deliveries again",
        "zh": "管理回调订阅并重新投递失败项",
    },
    "ops_deliveries_admin_only": {
        "en": "The deliveries themselves (addresses and errors) are shown to admins.",
        "zh": "投递明细（地址与错误信息）仅向管理员显示。",
    },
    "ops_notifications": {"en": "Notifications", "zh": "通知"},
    "ops_notifications_made": {"en": "Made", "zh": "已生成"},
    "ops_notifications_unread": {"en": "Unread", "zh": "未读"},
    "ops_notifications_unmailed": {"en": "Waiting for mail", "zh": "待发送邮件"},
    "ops_unmailed_why": {
        "en": "Mail goes out on the worker's next mail run (each notification) or with the daily digest.",
        "zh": "邮件将在后台进程下一次发送时（逐条通知）或随每日摘要发出。",
    },
    "ops_open_notifications": {"en": "Open the notifications", "zh": "查看通知"},
}
