"""The customer page's reads beyond the account: the group's pooled limit, payment behaviour
month by month, and the events timeline (each a few index reads of one customer's rows)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, func, select

from creditdesk.adapters.db import tables as t
from creditdesk.domain.money import Money


@dataclass(frozen=True, slots=True)
class GroupPool:
    """The group's pooled limit and what its members use of it (None: no pooled limit)."""

    group_id: str
    name: str
    parent_id: str | None
    members: int
    limit: Money | None
    exposure: Money | None

    @property
    def available(self) -> Money | None:
        return self.limit - self.exposure if self.limit is not None and self.exposure is not None else None

    @property
    def utilisation(self) -> float | None:
        if self.limit is None or self.exposure is None or self.limit.is_zero():
            return None
        return float(self.exposure.amount / self.limit.amount)


def group_pool(conn: Connection, group_id: str | None) -> GroupPool | None:
    if not group_id:
        return None
    g, ga, c = t.customer_groups, t.group_accounts, t.customers
    group = conn.execute(select(g).where(g.c.group_id == group_id)).first()
    if group is None:
        return None
    members = conn.execute(select(func.count()).select_from(c).where(c.c.group_id == group_id)).scalar_one()
    pool = conn.execute(select(ga).where(ga.c.group_id == group_id)).first()
    limit = exposure = None
    if pool is not None:
        limit = Money.from_minor(pool.limit_minor, pool.currency)
        used = pool.receivable_minor + pool.reserved_minor + pool.delivered_minor
        exposure = Money.from_minor(used, pool.currency)
    return GroupPool(group_id, group.name, group.parent_group_id, int(members), limit, exposure)


@dataclass(frozen=True, slots=True)
class PaymentMonth:
    """One month of a customer's payments: what was invoiced, what was paid (cash only), the
    amount-weighted days paid after the due date, and the share paid by the due date."""

    month: str
    invoiced: Money
    paid: Money
    days_late: float | None
    on_time: float | None


def payment_behaviour(
    conn: Connection, customer_id: str, currency: str, as_of: date, months: int = 12
) -> list[PaymentMonth]:
    i, a, p = t.invoices, t.payment_allocations, t.payments
    first = _month_start(as_of, months - 1)
    invoiced: dict[str, int] = {}
    for day, amount in conn.execute(
        select(i.c.invoice_date, i.c.amount_minor).where(
            i.c.customer_id == customer_id, i.c.invoice_date >= first, i.c.invoice_date <= as_of
        )
    ):
        key = _month(day)
        invoiced[key] = invoiced.get(key, 0) + int(amount)
    paid: dict[str, list[tuple[int, int]]] = {}
    query = (
        select(a.c.applied_on, a.c.amount_minor, i.c.due_date)
        .select_from(a.join(i, i.c.invoice_id == a.c.invoice_id).join(p, p.c.payment_id == a.c.payment_id))
        .where(i.c.customer_id == customer_id, p.c.kind == "payment", a.c.applied_on >= first, a.c.applied_on <= as_of)
    )
    for applied, amount, due in conn.execute(query):
        paid.setdefault(_month(applied), []).append((int(amount), (applied - due).days))
    out = []
    for k in range(months - 1, -1, -1):
        key = _month(_month_start(as_of, k))
        items = paid.get(key, [])
        total = sum(amount for amount, _ in items)
        late = sum(amount * max(days, 0) for amount, days in items) / total if total else None
        on_time = sum(amount for amount, days in items if days <= 0) / total if total else None
        out.append(
            PaymentMonth(
                key,
                Money.from_minor(invoiced.get(key, 0), currency),
                Money.from_minor(total, currency),
                round(late, 1) if late is not None else None,
                on_time,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the timeline: when, what kind, what happened, who did it."""

    at: datetime | date
    kind: str
    text_en: str
    text_zh: str
    actor: str
    data: str = ""  # what a person typed (a reason, a comment, a note): shown as it is, after the text

    @property
    def day(self) -> date:
        return self.at.date() if isinstance(self.at, datetime) else self.at


def timeline(conn: Connection, customer_id: str, limit: int = 30) -> list[Event]:
    """The newest events of the account: the monitor's and approvals' changes with their
    explanations, limit changes, scores, orders' decisions, invoices and payments, audit records."""
    ac, lc, s, au = t.account_changes, t.limit_changes, t.customer_scores, t.audit_log
    events: list[Event] = []
    for row in conn.execute(select(ac).where(ac.c.customer_id == customer_id).order_by(ac.c.id.desc()).limit(limit)):
        events.append(Event(row.recorded_at, f"rule:{row.rule}", row.explanation_en, row.explanation_zh, row.actor))
    for row in conn.execute(select(lc).where(lc.c.customer_id == customer_id).order_by(lc.c.id.desc()).limit(limit)):
        amount = Money.from_minor(row.amount_minor, row.currency)
        events.append(
            Event(
                row.changed_at,
                "limit",
                f"limit set to {amount.amount:,} {amount.currency}: {row.reason}",
                f"额度调整为 {amount.amount:,} {amount.currency}：{row.reason_zh or ''}",
                row.changed_by,
                "" if row.reason_zh else row.reason or "",  # the system's reason in Chinese, a person's as typed
            )
        )
    for row in conn.execute(
        select(s.c.as_of, s.c.grade, s.c.pd, s.c.model_version)
        .where(s.c.customer_id == customer_id, s.c.role == "champion")
        .order_by(s.c.as_of.desc(), s.c.id.desc())
        .limit(limit)
    ):
        pd_text = f"{row.pd * 100:.2f} %"
        events.append(
            Event(
                row.as_of,
                "score",
                f"scored grade {row.grade}, PD {pd_text}",
                f"评分：等级 {row.grade}，违约概率 {pd_text}",
                row.model_version,
            )
        )
    for table, id_column, date_column, kind_of, en, zh in _DOCUMENTS:
        query = select(table).where(table.c.customer_id == customer_id).order_by(table.c[date_column].desc())
        for doc in conn.execute(query.limit(limit)).mappings():
            money = f"{Money.from_minor(doc['amount_minor'], doc['currency']).amount:,}"
            kind = doc.get("kind") or kind_of
            words = {**doc, "id": doc[id_column], "amount": money, "kind_en": kind.replace("_", " ")}
            words["kind_zh"] = _KIND_ZH.get(kind, kind)
            words["status_zh"] = _STATUS_ZH.get(str(doc.get("status")), doc.get("status"))
            due = doc.get("due_date")
            words["due_zh"] = f"{due.year}年{due.month}月{due.day}日" if isinstance(due, date) else due
            events.append(Event(doc[date_column], kind, en.format(**words), zh.format(**words), ""))
    for row in conn.execute(
        select(au.c.at, au.c.action, au.c.actor, au.c.payload)
        .where(au.c.stream == customer_id)
        .order_by(au.c.stream_seq.desc())
        .limit(limit)
    ):
        events.append(
            Event(
                row.at,
                f"audit:{row.action}",
                _audit_text(row.action, row.payload),
                _audit_text(row.action, row.payload, chinese=True),
                row.actor,
                _audit_words(row.payload),
            )
        )
    nt = t.notes  # notes on the customer and on its applications, disputes and requests
    for row in conn.execute(
        select(nt.c.created_at, nt.c.subject_kind, nt.c.body, nt.c.author)
        .where(nt.c.customer_id == customer_id)
        .order_by(nt.c.note_id.desc())
        .limit(limit)
    ):
        short = row.body if len(row.body) <= 200 else row.body[:199] + "…"
        events.append(Event(row.created_at, f"note:{row.subject_kind}", f"note: {short}", "备注：", row.author, short))
    events.sort(key=_when, reverse=True)
    return events[:limit]


def _when(event: Event) -> datetime:
    # Dated documents sort after the day's timed events; SQLite gives naive times, PostgreSQL aware.
    if isinstance(event.at, datetime):
        return event.at.replace(tzinfo=None)
    return datetime.combine(event.at, time.max)


_KIND_ZH = {"payment": "收款", "credit_note": "贷项通知", "write_off": "核销"}
_STATUS_ZH = {
    "open": "已占用额度",
    "blocked": "已冻结",
    "review": "审核中",
    "release_pending": "待二次审批",
    "invoiced": "已开票",
    "cancelled": "已取消",
    "expired": "已过期",
    "rejected": "已拒绝",
}
# The customer's documents on the timeline: table, id and date columns, kind, and the texts.
_DOCUMENTS = (
    (
        t.orders,
        "order_id",
        "order_date",
        "order",
        "order {id} of {amount}: {status}",
        "订单 {id}，金额 {amount}：{status_zh}",
    ),
    (
        t.invoices,
        "invoice_id",
        "invoice_date",
        "invoice",
        "invoice {id} of {amount}, due {due_date}",
        "发票 {id}，金额 {amount}，{due_zh}到期",
    ),
    (
        t.payments,
        "payment_id",
        "payment_date",
        "payment",
        "{kind_en} {id} of {amount}",
        "{kind_zh} {id}，金额 {amount}",
    ),
)


#: An audit record's fields that people type (shown as they are, after the Chinese line).
_TYPED = ("reason", "comment")


def _audit_words(payload: str) -> str:
    """What a person typed in an audit record (its reason or comment), for the Chinese line."""
    try:
        body: Any = json.loads(payload)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    # The system's reason kept in Chinese (reason_zh) is no person's words: the Chinese line has it.
    typed = [
        str(body[k])
        for k in _TYPED
        if isinstance(body.get(k), str) and body[k].strip() and not (k == "reason" and body.get("reason_zh"))
    ]
    text = " · ".join(typed)
    return text if len(text) <= 200 else text[:199] + "…"


def _audit_text(action: str, payload: str, *, chinese: bool = False) -> str:
    """An audit record's line: its action and first plain fields (``collections.dunning:
    days_past_due=87, from=0, to=4``); in Chinese the action and the fields named in words
    (催收级别调整：逾期天数 87，原级别 0，新级别 4), a change of standing as from → to with its reason."""
    try:
        body: Any = json.loads(payload)
    except ValueError:
        return _AUDIT_ZH.get(action, action) if chinese else action
    if not isinstance(body, dict):
        return _AUDIT_ZH.get(action, action) if chinese else action
    # The record's own time and actor are on the line already.
    plain = [(k, v) for k, v in body.items() if k not in ("at", "by", "actor") and not isinstance(v, dict | list)]
    if not chinese:
        shown = ", ".join(f"{k}={v}" for k, v in plain[:4])
        return f"{action}: {shown}" if shown else action
    if isinstance(body.get("from"), dict) and isinstance(body.get("to"), dict):  # a standing: from → to
        before, after = body["from"].get("status"), body["to"].get("status")
        plain = [("status", f"{_VALUE_ZH.get(before, before)} → {_VALUE_ZH.get(after, after)}"), *plain]
    if isinstance(body.get("codes"), list):
        plain = [("codes", "、".join(_VALUE_ZH.get(c, c) for c in body["codes"])), *plain]
    named = [(k, v) for k, v in plain if k in _FIELD_ZH and k not in _TYPED and v is not None][:4]
    shown = "，".join(f"{_FIELD_ZH[k]} {_VALUE_ZH.get(v, v) if isinstance(v, str) else v}" for k, v in named)
    words = _AUDIT_ZH.get(action, action)
    said = f"；{body['reason_zh']}" if isinstance(body.get("reason_zh"), str) and body["reason_zh"] else ""
    return (f"{words}：{shown}" if shown else words) + said


#: The audit's actions and fields in Chinese (the timeline's 中文 lines).
_AUDIT_ZH = {
    "collections.dunning": "催收级别调整",
    "collections.promise": "付款承诺",
    "account.standing": "账户状态变更",
    "account.blocked": "账户冻结",
    "limit.set": "额度设定",
    "limit.changed": "额度变更",
    "limit.requested": "额度申请",
    "group.limit.set": "集团额度设定",
    "segment.limit_set": "公司代码额度设定",
    "order.blocked": "订单被冻结",
    "order.review": "订单待审核",
    "order.release_requested": "申请放行订单",
    "order.released": "订单已放行",
    "order.rejected": "订单已拒绝",
    "import.completed": "数据导入完成",
    "customer.registered": "客户登记",
    "customers.changed": "客户资料变更",
    "note.added": "添加备注",
    "attachment.added": "添加附件",
    "cover.added": "新增保险或担保",
    "cover.ended": "保险或担保终止",
    "claim.filed": "提出理赔",
    "review.due": "复核到期",
    "portfolio.scored": "组合评分",
    "dispute.opened": "登记争议",
    "dispute.resolved": "争议已解决",
    "dispute.changed": "争议变更",
    "promise.recorded": "记录付款承诺",
}
_FIELD_ZH = {
    "status": "状态",
    "codes": "原因",
    "days_past_due": "逾期天数",
    "from": "原值",
    "to": "新值",
    "reason": "原因",
    "amount": "金额",
    "currency": "币种",
    "limit": "额度",
    "before": "原额度",
    "company_code": "公司代码",
    "expires_on": "到期日",
    "origin": "来源",
    "comment": "备注",
    "requested_by": "申请人",
    "role": "角色",
    "level": "催收级别",
    "promised_on": "承诺日期",
}
_VALUE_ZH = {
    "active": "正常",
    "on_hold": "暂停",
    "blocked": "冻结",
    "review": "信用复核",
    "sales": "销售",
    "rule": "监控规则",
    "initial": "初始额度",
    "analyst": "信用分析师",
    "manager": "信用经理",
    "admin": "管理员",
    "viewer": "查看员",
    "system": "系统",
    "open": "未结",
    "score": "评分",
    "manual": "人工设定",
    "request": "申请审批",
    "import": "数据导入",
    "policy": "信用政策",
    "application": "授信申请",
    "OVER_LIMIT": "超出信用额度",
    "NO_LIMIT": "未设信用额度",
    "ORDER_TOO_LARGE": "单笔订单金额过大",
    "OVERDUE": "存在逾期款项",
    "OVERDUE_SHARE": "逾期占比过高",
    "CUSTOMER_BLOCKED": "账户已冻结",
    "CUSTOMER_ON_HOLD": "账户已暂停",
    "CUSTOMER_INACTIVE": "客户已停用",
    "REVIEW_EXPIRED": "信用复核已过期",
    "GROUP_OVER_LIMIT": "超出集团共享额度",
    "SEGMENT_OVER_LIMIT": "超出公司代码下的额度",
    "DUNNING": "已达催收级别",
}


def _month_start(as_of: date, back: int) -> date:
    index = as_of.year * 12 + as_of.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class Standing:
    """Why an account stands as it does: how late its oldest undisputed item is as the monitor
    counts it (cash received but not yet applied covers the oldest items first) and on the books,
    since when it is in default, the last rule's or person's word on its status (which rule or who,
    and when), and the last change of its limit (who set it, when and why)."""

    days_overdue: int  # of the oldest undisputed open item cash received but not applied leaves uncovered
    days_on_the_books: int  # of the oldest undisputed open item, unapplied cash or not
    in_default_since: date | None
    status_reason: str | None
    status_reason_zh: str | None
    limit_reason: str | None
    limit_source: str | None
    limit_by: str | None
    limit_on: date | None
    status_rule: str | None = None  # the monitor's rule that set the status (OVERDUE_HOLD...), None for a person's
    status_by: str | None = None  # who set it: a user, or "system" for the monitor
    status_on: date | None = None
    limit_reason_zh: str | None = None  # the system's reason in Chinese (migration 0016); a person's: None


def standings(conn: Connection, customer_ids: list[str], as_of: date) -> dict[str, Standing]:
    """The :class:`Standing` of each of ``customer_ids`` (one page of the list, or one customer)."""
    if not customer_ids:
        return {}
    i, a, c, lc = t.invoices, t.credit_accounts, t.account_changes, t.limit_changes
    items: dict[str, list[tuple[date, int, int]]] = {}
    for cid, due, amount, left in conn.execute(
        # The part of an item under open dispute cases is not overdue: only the rest counts.
        select(i.c.customer_id, i.c.due_date, i.c.amount_minor, i.c.open_minor - i.c.disputed_minor)
        .where(
            i.c.customer_id.in_(customer_ids),
            i.c.open_minor > 0,
            i.c.due_date < as_of,
            ~i.c.disputed,
        )
        .order_by(i.c.customer_id, i.c.due_date, i.c.invoice_id)
    ):
        items.setdefault(cid, []).append((due, int(amount), int(left)))
    accounts = {
        row.customer_id: row
        for row in conn.execute(
            select(
                a.c.customer_id, a.c.in_default_since, a.c.unapplied_minor, a.c.status_source, a.c.status_changed_on
            ).where(a.c.customer_id.in_(customer_ids))
        )
    }
    last_status = (
        select(func.max(c.c.id))
        .where(c.c.customer_id.in_(customer_ids), c.c.field == "status")
        .group_by(c.c.customer_id)
    )
    statuses = {
        row.customer_id: (row.explanation_en, row.explanation_zh, row.rule, row.actor, row.effective_on)
        for row in conn.execute(
            select(
                c.c.customer_id, c.c.explanation_en, c.c.explanation_zh, c.c.rule, c.c.actor, c.c.effective_on
            ).where(c.c.id.in_(last_status))
        )
    }
    # A person's status (status_source "manual"): their reason, who and when, from the audit log.
    by_hand = [cid for cid, row in accounts.items() if row.status_source == "manual"]
    if by_hand:
        au = t.audit_log
        for cid, actor, at, payload in conn.execute(
            select(au.c.entity_id, au.c.actor, au.c.at, au.c.payload)
            .where(au.c.action == "account.standing", au.c.entity_id.in_(by_hand))
            .order_by(au.c.seq)
        ):
            doc = json.loads(payload)
            if isinstance(doc.get("to"), dict) and doc["to"].get("status"):
                reason = str(doc.get("reason") or "")
                statuses[cid] = (reason, reason, None, actor, accounts[cid].status_changed_on or at.date())
    last_limit = select(func.max(lc.c.id)).where(lc.c.customer_id.in_(customer_ids)).group_by(lc.c.customer_id)
    limits = {
        row.customer_id: row
        for row in conn.execute(
            select(lc.c.customer_id, lc.c.reason, lc.c.reason_zh, lc.c.source, lc.c.changed_by, lc.c.valid_from).where(
                lc.c.id.in_(last_limit)
            )
        )
    }
    found = {}
    for cid in customer_ids:
        account = accounts.get(cid)
        late = items.get(cid, [])
        oldest, due = _oldest_uncovered(late, int(account.unapplied_minor) if account is not None else 0)
        status = statuses.get(cid, (None, None, None, None, None))
        limit = limits.get(cid)
        found[cid] = Standing(
            days_overdue=(as_of - due).days if due is not None else 0,
            days_on_the_books=(as_of - oldest).days if oldest is not None else 0,
            in_default_since=account.in_default_since if account is not None else None,
            status_reason=status[0],
            status_reason_zh=status[1],
            limit_reason=limit.reason if limit is not None else None,
            limit_source=limit.source if limit is not None else None,
            limit_by=limit.changed_by if limit is not None else None,
            limit_on=limit.valid_from if limit is not None else None,
            status_rule=status[2],
            status_by=status[3],
            status_on=status[4],
            limit_reason_zh=limit.reason_zh if limit is not None else None,
        )
    return found


def _oldest_uncovered(items: list[tuple[date, int, int]], unapplied_minor: int) -> tuple[date | None, date | None]:
    """The due dates of the oldest late item, and of the oldest one unapplied cash does not cover
    (the oldest first; a residue of 1 % of an item or less is not late), as the monitor counts
    (:func:`creditdesk.risk.features.behaviour.days_overdue`)."""
    oldest = items[0][0] if items else None
    running = 0
    for due, amount, left in items:
        running += left
        if running - unapplied_minor > amount / 100:
            return oldest, due
    return oldest, None
