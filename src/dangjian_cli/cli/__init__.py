"""The `dj` command: one short function per command — parse, call, print."""

from dangjian_cli.cli.base import app

# Every command: the module in cli/ that registers it, and the summary `dj --help` lists (the first
# paragraph of its docstring; tests/test_startup.py holds the two equal). The module is imported only
# when its command runs or prints its own help. This order is the order of `dj --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("setup", "建立数据仓库：写 dj.yaml、projects/、templates/（Word 模板）、schemas/、"
                      "CI 配置和 .gitignore，并做第一次提交。"),
    "demo": ("setup", "建立演示仓库，把示例项目走完申报到验收的每一步，留下可读的 git log。"),
    "schema": ("setup", "重新生成 schemas/ 下的 JSON Schema（编辑器据此提示中文字段说明）。"),
    "new": ("examples", "写一份带说明的示例文件（申报书或结题报告），照着填写后交给 dj apply --from 或 "
                        "dj close --report。"),
    "apply": ("lifecycle", "申报项目（或重新申报被退回的项目），打印新编号。"),
    "approve": ("lifecycle", "立项（审批通过），记录资助经费、意见和文号。"),
    "reject": ("lifecycle", "不予立项。"),
    "return": ("lifecycle", "退回修改：项目回到草稿，修改后用 dj apply 编号 重新申报。"),
    "mid-check": ("lifecycle", "中期检查：通过，或下发整改通知书限期整改。"),
    "rectified": ("lifecycle", "整改完成，项目回到“已通过中期检查”。"),
    "close": ("lifecycle", "结题：提交四部分的结题报告。"),
    "score": ("lifecycle", "录入一位评委的评分；--sheet 一次录入多个项目，有一行错则全部不录入。"),
    "accept": ("lifecycle", "验收：按评分算出总分（评委够多时去掉最高分和最低分）和等次。"),
    "terminate": ("lifecycle", "终止项目。"),
    "spend": ("lifecycle", "登记一笔经费支出；超出结余的支出会被拒绝。"),
    "correct": ("lifecycle", "更正日期：把项目上一步（漏写 --date 而记成今天的那一步）的日期改为实际办理的日期，"
                             "仅组织部干事。"),
    "promote": ("panels", "升级申报：验收通过的项目按 types[].next 升级（创新探索型 → 典型示范型 → 制度推广型），"
                          "生成新的申报。"),
    "recommend": ("panels", "二级党组织推荐项目参加创新项目评比（在 calendar.recommend_by 之前）。"),
    "shortlist": ("panels", "组织部初步审核，确定入围终审答辩的项目（一次提交）。"),
    "award": ("panels", "评比表彰：按总分排名，依次填满各奖项名额，写入获奖项目（一次提交）；"
                        "同分跨名额界线时须用 --order 议定。"),
    "todo": ("todo", "列出等您办理的事项：待审批的申报、待评分的项目（回避的除外）、待确认的整改、待交的结题报告、"
                     "待推荐的项目、党支部定级，期限最早的在前。"),
    "site": ("site", "生成给领导看的静态网站：本年度各状态项目数、各单位进度、到期和逾期事项、表彰、经费、党支部定级、"
                     "每个项目的办理记录和每个人的待办事项。"),
    "due": ("paperwork", "列出已逾期和 30 天内到期的事项（按项目和单位），依据 dj.yaml 的 calendar 和整改期限。"),
    "report": ("paperwork", "生成项目台账（每个项目一行）和统计表。"),
    "stats": ("paperwork", "按状态、单位、类别、类型统计项目数，并汇总经费；有党支部定级记录时还统计分类定级。"),
    "render": ("paperwork", "生成 Word 表格（申报表、立项通知、中期检查表、整改通知书、结题报告、"
                            "验收评审表、验收报告）。"),
    "verify-form": ("paperwork", "核对一份打印或扫描的表格：它依据的是项目记录的哪个已提交版本，是否为当前版本。"),
    "list": ("reading", "列出项目。"),
    "show": ("reading", "查看一个项目的全部内容，以及下一步可以做什么。"),
    "log": ("reading", "从 git 历史重建项目的每一步：日期、办理人、操作、状态变化、提交。"),
    "check": ("review", "检查 dj.yaml 和所有项目文件，逐条列出问题（文件和字段）；有问题时退出码为 1。"),
    "audit": ("review", "核查 git 历史：按每个提交当时的 dj.yaml 重做其中的每一步（合并提交也不例外），\n"
                        "记录必须与 dj 会写出的完全一致；配置只能由组织部干事修改；"
                        "要求签名时签名须是提交者登记的密钥。"),
    "renumber": ("review", "重新编号：两处同时申报占用了同一个编号时，把本分支的项目改为下一个空闲编号（一次提交）。"),
}

# Command groups: a word followed by its own commands (`dj branch survey …`), loaded like the commands.
GROUPS: dict[str, tuple[str, str]] = {
    "branch": ("grading", "党支部分类定级（004）：调查摸底 → 自评 → 初评 → 党委考评定级 → 推荐先进 → 对标整改。"),
    "form": ("forms", "空白 Word 表格：dj form blank application 写一份申报表、dj form blank report 写一份结题报告，"
                      "发给支部填写后读回。"),
}


def main() -> None:
    app()


__all__ = ["COMMANDS", "GROUPS", "app", "main"]
