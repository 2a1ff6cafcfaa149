"""Telegram for staff: linked township groups, accept/answer buttons, replies that reach the resident.

Linking, with one-time codes made in the console (Telegram page) so that no long-lived secret is
ever typed into a chat:

- ``/link CODE`` in a group, with a *group* code an admin (any township) or a supervisor (their
  county's townships, or the county itself) made: the group becomes that place's staff group. New
  tickets of the place are posted there with buttons; a county group also gets escalations.
- ``/link CODE`` in a private chat with the bot, with a *personal* code any staff member makes for
  themself: that Telegram account now acts as that staff member (buttons and replies in groups).

A staff member answers a resident by replying (Telegram's reply) to the bot's ticket post or to
its "回复居民" prompt; the ticket number is read from the bot's own message, which only the bot can
have written. Every action goes through the same workflow and scope as the console and the API.
Staff texts are Chinese only: staff work in Chinese; residents' messages are translated.
"""

from __future__ import annotations

import logging
import re

from aiogram import Bot, F, Router
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, ForceReply, Message

from bot.domain.tickets import status_text
from bot.services.workflow import TicketNotFound, Workflow, WorkflowError
from bot.staff_access import StaffDirectory

log = logging.getLogger(__name__)

GROUPS = {"group", "supergroup"}
NUMBER = re.compile(r"编号 (\d{6,24})")


def staff_router() -> Router:
    router = Router(name=__name__)

    @router.errors(ExceptionTypeFilter(TelegramAPIError, ClientDecodeError))
    async def confirmation_not_sent(event: ErrorEvent) -> None:
        """What staff did is done (the workflow committed it); only Telegram's confirmation to them failed.

        Handled here, so that the update counts as processed: taken again, it would repeat the action
        (受理 a second time, a link code already used) instead of its confirmation.
        """
        log.warning("telegram_staff.confirmation_failed", extra={
            "update_id": event.update.update_id, "error": type(event.exception).__name__})

    @router.message(Command("link"))
    async def link(message: Message, command: CommandObject, staff: StaffDirectory, workflow: Workflow) -> None:
        if message.from_user is None:
            return
        code = (command.args or "").strip()
        group = message.chat.type in GROUPS
        if not code:
            await message.answer("用法：/link 关联码（在民生工作台的 Telegram 页面生成，15 分钟内有效，只能用一次）")
            return
        linked = await staff.redeem_link_code(code, "group" if group else "user", message.chat.id,
                                              message.from_user.id)
        if linked is None:
            await message.answer("关联码无效、已过期或已使用。请在工作台重新生成。")
            return
        actor, place = linked
        if group:
            name = workflow.places.get(place).name if place and place in workflow.places else place
            log.info("telegram_staff.group_linked", extra={"place": place, "staff": actor.id})
            await message.answer(f"已关联：本群接收 {name} 的新求助和申请。成员需先私聊机器人发送个人关联码，"
                                 "才能使用“受理”“回复居民”。")
        else:
            log.info("telegram_staff.user_linked", extra={"staff": actor.id})
            await message.answer(f"已绑定：此 Telegram 账号代表工作人员 {actor.name}。")

    @router.callback_query(F.data.startswith("tk:"), F.message.chat.type.in_(GROUPS))
    async def ticket_button(query: CallbackQuery, staff: StaffDirectory, workflow: Workflow) -> None:
        parts = (query.data or "").split(":", 2)
        if len(parts) != 3:
            await query.answer()
            return
        _prefix, action, number = parts
        actor = await staff.by_telegram(query.from_user.id)
        if actor is None:
            await query.answer("请先私聊机器人发送 /link 个人关联码，绑定您的工作人员账号。", show_alert=True)
            return
        message = query.message
        if not isinstance(message, Message):
            await query.answer()
            return
        if action == "accept":
            try:
                ticket = await workflow.transition(actor, number, "accepted")
            except TicketNotFound:
                await query.answer("没有找到该编号，或不在您的辖区。", show_alert=True)
                return
            except WorkflowError as exc:
                await query.answer(f"未能受理：{exc.zh}", show_alert=True)
                return
            await query.answer(status_text(ticket.status, workflow.county_name(ticket.county_code)))
            await message.reply(f"编号 {ticket.number} 已由 {actor.name} 受理。")
        elif action == "answer":
            try:
                ticket = await workflow.find(actor, number)
            except TicketNotFound:
                await query.answer("没有找到该编号，或不在您的辖区。", show_alert=True)
                return
            await query.answer()
            await message.reply(f"回复居民（编号 {ticket.number}）：请直接回复本条消息，内容会发给居民。",
                                reply_markup=ForceReply(selective=True, input_field_placeholder="写给居民的答复"))
        else:
            await query.answer()

    @router.message(F.chat.type.in_(GROUPS), F.reply_to_message.text, F.text)
    async def answer_in_thread(message: Message, bot: Bot, staff: StaffDirectory, workflow: Workflow) -> None:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return
        found = NUMBER.search(replied.text or "")
        if not found or message.from_user is None:
            return
        actor = await staff.by_telegram(message.from_user.id)
        if actor is None:
            await message.reply("请先私聊机器人发送 /link 个人关联码，绑定您的工作人员账号；本条未发送给居民。")
            return
        try:
            await workflow.reply(actor, found.group(1), message.text or "")
        except TicketNotFound:
            await message.reply("没有找到该编号，或不在您的辖区；本条未发送给居民。")
            return
        except WorkflowError as exc:
            await message.reply(f"未发送：{exc.zh}")
            return
        await message.reply(f"已发送给居民（编号 {found.group(1)}）。")

    return router
