"""Who acts: the data repository, its dj.yaml, and the person a state-changing command is recorded for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from dangjian_cli import gitrepo, store
from dangjian_cli.config import Config, Role, name_email
from dangjian_cli.context import Actor
from dangjian_cli.errors import DjError


@dataclass(frozen=True)
class Session:
    """Where and as whom a state-changing command runs."""

    root: Path
    config: Config
    actor: Actor
    entered_by: Actor | None = None  # the git user, when recording a step for someone else
    commit: bool = True
    today: dt.date = field(default_factory=dt.date.today)
    author: tuple[str, str] | None = None  # commit author override (the demo plays many people)
    when: str | None = None  # commit time override (the demo replays a year)
    forms: bool = True  # render each step's Word forms into out/<id>/


def parse_name_email(text: str, option: str) -> tuple[str, str]:
    person = name_email(text)
    if person is None:
        raise DjError(f"{option} 的写法不对（“{text}”）；"
                      f"请写成 {option} \"姓名 <邮箱>\"，例如 \"王干事 <wang@zzb.example>\"。")
    return person


def parse_person(text: str, config: Config) -> Actor:
    """`姓名 <email>`, or a bare e-mail or name already listed in dj.yaml's people."""
    written = name_email(text)
    if written:
        name, email = written
        person = next((p for p in config.people if p.email.lower() == email.lower()), None)
        if person is None:
            raise DjError(f"--as 写的邮箱 {email} 不属于 dj.yaml 的 people 中的任何人；"
                          f"请核对邮箱，或先在 people 中登记{name}。")
        if person.name != name.strip():
            raise DjError(f"--as 写的邮箱 {email} 在 dj.yaml 中属于{person.name}，不是{name}；"
                          f"请核对 --as 的姓名和邮箱（替{person.name}登记就写 --as \"{person.name} <{email}>\"）。")
        return Actor(person.name, person.email, person)
    person = config.person(text.strip())
    if person is None:
        raise DjError(f"“{text}”不在 dj.yaml 的 people 中；请写成 --as \"姓名 <邮箱>\"，或先在 people 中登记此人。")
    return Actor(person.name, person.email, person)


def open_session(repo: Path | None = None, as_: str | None = None, no_commit: bool = False,
                 today: dt.date | None = None) -> Session:
    root = store.find_root(override=repo)
    config = store.load_config(root)
    git_ok = gitrepo.is_repo(root)
    me = gitrepo.identity(root) if git_ok else None
    user = Actor(me[0], me[1], config.person(me[1])) if me else None
    if as_:
        actor = parse_person(as_, config)
        entered_by = None
        if user is not None and user.email.lower() != actor.email.lower():
            if not user.has(frozenset({Role.clerk})):
                raise DjError(
                    f"只有组织部干事（clerk）可以替他人（{actor.name}）登记步骤，"
                    f"而 {user.name} <{user.email}> 不是；请本人操作，或请组织部干事代为录入。"
                )
            entered_by = user
    elif user is not None:
        actor, entered_by = user, None
    else:
        raise DjError(
            "无法确定操作人：git 的 user.name/user.email 尚未设置；"
            "请运行 git config --global user.name \"姓名\" 和 git config --global user.email \"邮箱\"，"
            "或加 --as \"姓名 <邮箱>\"。"
        )
    return Session(root, config, actor, entered_by, commit=git_ok and not no_commit,
                   today=today or dt.date.today())


def with_actor(session: Session, name: str, when: str | None = None) -> Session:
    """The same session recorded for another registered person (the demo plays them all)."""
    person = session.config.person(name)
    if person is None:
        raise DjError(f"演示数据中的“{name}”不在 dj.yaml 的 people 中。")
    actor = Actor(person.name, person.email, person)
    return replace(session, actor=actor, author=(person.name, person.email), when=when)
