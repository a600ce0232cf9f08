"""netlab guide LAB: the lab's workshop steps: what to do, what to look at, what each check proves.

Placeholders in the commands, `{node-1}`, `{pod-a}`, stand for that member's namespace, so
`ip -n {node-1} route` prints as a command that works on this machine; `{svc:web}` stands for
the Service's ClusterIP.

`--lang zh-TW` prints the lab file's Traditional Chinese (`zh-TW: {title, text}` of the lab and of
each step); a step without one is printed in English. Commands and check names are never translated.
"""

from __future__ import annotations

import click
from rich.markup import escape

from netlab.cli.common import out
from netlab.model import find_lab, load_lab
from netlab.model.lab import LANGUAGES, NETWORK_MODES, GuideStep
from netlab.plan import LabPlan, make_plan

# The few words the command itself prints, per language.
UI = {
    "en": {
        "article": "(article: {seed})",
        "proves": "proves: {check} (from {source})",
        "builds": "builds: {tasks}  (left to you by: sudo netlab up {lab} --leave {step})",
        "footer": "bring it up: sudo netlab up {lab}; prove it: sudo netlab verify {lab}",
        "fell_back": "{count} step(s) have no translation and are shown in English.",
    },
    "zh-TW": {
        "article": "（文章章節：{seed}）",
        "proves": "驗證：{check}（從 {source} 執行）",
        "builds": "建立：{tasks}（留給你動手做：sudo netlab up {lab} --leave {step}）",
        "footer": "啟動實驗：sudo netlab up {lab}；驗證結果：sudo netlab verify {lab}",
        "fell_back": "有 {count} 個步驟還沒有繁體中文翻譯，以英文顯示。",
    },
}


@click.command("guide")
@click.argument("lab")
@click.option("--network", type=click.Choice(NETWORK_MODES), help="Show the steps for this pod network.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The language of the steps (zh-TW: Traditional Chinese).",
)
def cmd(lab: str, network: str | None, lang: str) -> None:
    """Print LAB's guided steps."""
    plan = make_plan(load_lab(find_lab(lab)), network=network)
    ui = UI[lang]
    title = plan.lab.translations.get(lang, {}).get("title", plan.lab.title)
    out.print(f"[bold]{escape(title)}[/]  {escape(ui['article'].format(seed=plan.lab.seed))}\n")
    checks = {c.name: c for c in plan.lab.checks}
    fell_back = 0
    for number, step in enumerate(plan.lab.guide, start=1):
        step_title, text, translated = in_language(step, lang)
        fell_back += not translated
        article = f"  [dim]({escape(step.article)})[/]" if step.article else ""
        out.print(f"[bold]{number}. {escape(step_title)}[/]{article}")
        if text:
            out.print(expand(plan, text), markup=False)
        for command in step.run:
            out.print(f"  $ sudo {expand(plan, command)}", markup=False)
        if step.builds:
            tasks = ", ".join(map(str, step.builds))
            out.print("  " + ui["builds"].format(tasks=tasks, lab=plan.name, step=number), markup=False)
        for name in step.checks:
            out.print("  " + ui["proves"].format(check=name, source=checks[name].source), markup=False)
        out.print()
    out.print(ui["footer"].format(lab=plan.name), markup=False)
    if fell_back:
        out.print(ui["fell_back"].format(count=fell_back), markup=False)


def in_language(step: GuideStep, lang: str) -> tuple[str, str, bool]:
    """The step's title and text in `lang`, and whether it has them: English where it has no
    translation (a translation without a text keeps the English text of a step that has one)."""
    if lang == LANGUAGES[0]:
        return step.title, step.text, True
    translation = step.translations.get(lang)
    if translation is None:
        return step.title, step.text, False
    if step.text and not translation.get("text"):
        return translation["title"], step.text, False
    return translation["title"], translation.get("text", ""), True


def expand(plan: LabPlan, command: str) -> str:
    """Replace `{name}` with that member's namespace, `{svc:name}` with the Service's ClusterIP."""
    for name in [*(m.name for m in plan.members), "underlay"]:
        command = command.replace("{" + name + "}", plan.netns_of(name) or name)
    for svc in plan.services:
        command = command.replace("{svc:" + svc.name + "}", str(svc.cluster_ip))
    return command
