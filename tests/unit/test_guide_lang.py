"""`netlab guide LAB --lang zh-TW`: every bundled lab's guide in Traditional Chinese (Taiwan), read
from the lab file's `zh-TW: {title, text}`, English where a step has none; commands and check names
stay as they are. Bad translations are error goldens too (tests/errors/guide-translation-bad)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from netlab.cli import guide
from netlab.errors import LabValidationError
from netlab.model import Lab, load_lab
from netlab.model.lab import LANGUAGES
from netlab.plan import make_plan

REPO = Path(__file__).resolve().parents[2]
LAB_FILES = sorted((REPO / "labs").glob("*.yaml"))
LABS = [load_lab(path) for path in LAB_FILES]
IDS = [lab.name for lab in LABS]

PLACEHOLDER = re.compile(r"\{[^{}\s]+\}")  # {node-1}, {svc:web}, {SVC}
IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Simplified characters and mainland terms that Taiwan writes otherwise (網路, 預設, 伺服器, 封包,
# 介面, 位址, 負載平衡, 核心, 程序, 資訊): a translation that has them is not zh-TW.
NOT_TAIWAN = re.compile(
    "[网络节点务转发规则设连线应这为个们时问题从协议对请"
    "实验过与动态组载虚拟检变将该还没开关机执标头处数]"
    "|網絡|默認|服務器|數據包|接口|地址|負載均衡|內核|進程|信息|端口"
)


def zh(lab: Lab) -> str:
    return lab.translations.get("zh-TW", {}).get("title", "")


def run_guide(*args: str) -> str:
    result = CliRunner().invoke(guide.cmd, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


# -- the bundled labs: all of them translated -----------------------------------------------------
def test_the_languages_are_english_then_traditional_chinese() -> None:
    assert LANGUAGES == ("en", "zh-TW")
    assert set(guide.UI) == set(LANGUAGES)
    assert all(set(words) == set(guide.UI["en"]) for words in guide.UI.values())


@pytest.mark.parametrize("lab", LABS, ids=IDS)
def test_every_lab_and_every_step_has_a_zh_tw_title_and_text(lab: Lab) -> None:
    missing = [] if zh(lab) else [f"{lab.name}: the lab has no zh-TW title"]
    for index, step in enumerate(lab.guide):
        translation = step.translations.get("zh-TW", {})
        for key in ("title", "text"):
            if not translation.get(key):
                missing.append(f"{lab.name}: guide[{index}] ({step.title!r}) has no zh-TW {key}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("lab", LABS, ids=IDS)
def test_translations_keep_placeholders_and_addresses(lab: Lab) -> None:
    pairs = [(f"{lab.name}: title", lab.title, zh(lab))]
    for index, step in enumerate(lab.guide):
        translation = step.translations.get("zh-TW", {})
        pairs.append((f"{lab.name}: guide[{index}].title", step.title, translation.get("title", "")))
        pairs.append((f"{lab.name}: guide[{index}].text", step.text, translation.get("text", "")))
    lost = []
    for place, english, chinese in pairs:
        for pattern in (PLACEHOLDER, IPV4):
            for token in sorted(set(pattern.findall(english)) - set(pattern.findall(chinese))):
                lost.append(f"{place}: {token} is in the English, not in the zh-TW")
    assert not lost, "\n".join(lost)


@pytest.mark.parametrize("lab", LABS, ids=IDS)
def test_translations_are_taiwan_traditional_chinese(lab: Lab) -> None:
    texts = {f"{lab.name}: title": zh(lab)}
    for index, step in enumerate(lab.guide):
        for key, value in step.translations.get("zh-TW", {}).items():
            texts[f"{lab.name}: guide[{index}].{key}"] = value
    for place, text in texts.items():
        assert HAN.search(text), f"{place} is not Chinese: {text!r}"
        wrong = NOT_TAIWAN.search(text)
        assert not wrong, f"{place}: {wrong.group()!r} is not Taiwan usage"


def test_a_translation_is_read_with_its_step(make_lab) -> None:
    lab = make_lab(TINY)
    assert lab.translations == {"zh-TW": {"title": "小實驗"}}
    assert lab.guide[0].translations == {"zh-TW": {"title": "看看路由", "text": "{client} 只有一條預設路由。"}}
    assert lab.guide[1].translations == {}
    assert lab.guide[2].translations == {"zh-TW": {"title": "只有標題"}}


# -- the command ------------------------------------------------------------------------------------
def test_zh_tw_prints_the_chinese_guide_with_its_commands_as_they_are() -> None:
    lab = next(lab for lab in LABS if lab.name == "pod-to-service")
    plan = make_plan(lab)
    output = run_guide("pod-to-service", "--lang", "zh-TW")
    lines = output.splitlines()
    assert lines[0].startswith(zh(lab)) and "文章章節：4. Pod - Service" in lines[0]
    first = lab.guide[0]
    assert lines[2].startswith("1. " + first.translations["zh-TW"]["title"])
    assert first.title not in output and first.text.splitlines()[0] not in output
    cluster_ip = str(next(s for s in plan.services if s.name == "web").cluster_ip)
    assert "{svc:web}" not in output and f"ClusterIP（{cluster_ip}）" in output  # placeholders expand in Chinese
    assert "  $ sudo ip -n nl-pod-to-service.client route" in lines  # commands: as in English
    assert "  驗證：the client's replies come from the Service IP（從 client 執行）" in lines  # check names too
    assert lines[-1] == "啟動實驗：sudo netlab up pod-to-service；驗證結果：sudo netlab verify pod-to-service"


@pytest.mark.parametrize("lab", LABS, ids=IDS)
def test_english_is_the_default_and_has_no_chinese(lab: Lab) -> None:
    output = run_guide(lab.name)
    assert output == run_guide(lab.name, "--lang", "en")
    assert output.startswith(lab.title) and "(article: " in output.splitlines()[0]
    assert not HAN.search(output)
    assert output.splitlines()[-1] == f"bring it up: sudo netlab up {lab.name}; prove it: sudo netlab verify {lab.name}"


@pytest.mark.parametrize("lab", LABS, ids=IDS)
def test_every_bundled_lab_prints_in_zh_tw_without_falling_back(lab: Lab) -> None:
    output = run_guide(lab.name, "--lang", "zh-TW")
    assert output.startswith(zh(lab))
    assert "英文顯示" not in output
    english = run_guide(lab.name)
    assert sorted(PLACEHOLDER.findall(output)) == sorted(PLACEHOLDER.findall(english))  # {node-1} expanded, {SVC} kept


def test_an_unknown_language_is_a_usage_error() -> None:
    result = CliRunner().invoke(guide.cmd, ["pod-to-pod", "--lang", "zh-CN"])
    assert result.exit_code == 2
    assert "zh-CN" in result.output


TINY = """\
    name: tiny
    title: A tiny lab
    seed: "3. Pod - Pod"
    zh-TW:
      title: 小實驗
    cluster:
      nodes: [node-1]
      dns: false
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {containers: [{name: c}]}}
    checks:
      - {name: client pings node-1, from: client, ping: node-1}
    guide:
      - title: Look at the routes
        text: "{client} has one default route."
        zh-TW:
          title: 看看路由
          text: |
            {client} 只有一條預設路由。
        run: ["ip -n {client} route"]
        checks: [client pings node-1]
      - title: Untranslated
        text: This step has no translation yet.
      - title: Title only
        text: An English text the translation does not have.
        zh-TW: {title: 只有標題}
"""


def test_zh_tw_falls_back_to_english_per_step_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY))
    output = run_guide(str(path), "--lang", "zh-TW")
    assert output.splitlines() == [
        "小實驗  （文章章節：3. Pod - Pod）",
        "",
        "1. 看看路由",
        "nl-tiny.client 只有一條預設路由。",
        "  $ sudo ip -n nl-tiny.client route",
        "  驗證：client pings node-1（從 client 執行）",
        "",
        "2. Untranslated",
        "This step has no translation yet.",
        "",
        "3. 只有標題",
        "An English text the translation does not have.",
        "",
        "啟動實驗：sudo netlab up tiny；驗證結果：sudo netlab verify tiny",
        guide.UI["zh-TW"]["fell_back"].format(count=2),
    ]
    english = run_guide(str(path)).splitlines()
    assert english[0] == "A tiny lab  (article: 3. Pod - Pod)"
    assert english[2:4] == ["1. Look at the routes", "nl-tiny.client has one default route."]
    assert english[-1] == "bring it up: sudo netlab up tiny; prove it: sudo netlab verify tiny"


def test_a_lab_without_a_zh_tw_title_keeps_its_english_one(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY).replace("zh-TW:\n  title: 小實驗\n", ""))
    assert run_guide(str(path), "--lang", "zh-TW").startswith("A tiny lab  （文章章節：")


# -- bad translations -------------------------------------------------------------------------------
ONE_STEP = """\
    name: tiny
    %s
    cluster: {nodes: [node-1], dns: false}
    guide:
      - title: Look at the routes
        text: The pod has one default route.
        %s
"""  # the lab's translation, then the step's


def problems_of(make_lab, text: str) -> list[tuple[str, str]]:
    """(field, message) of every problem of the lab file `text`."""
    with pytest.raises(LabValidationError) as caught:
        make_lab(text)
    return [(p.where.split(": ", 1)[1], p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("step", "where", "message"),
    [
        ("zh-TW: {text: 只有內文}", "guide[0].zh-TW.title", "is required"),
        ("zh-TW:", "guide[0].zh-TW.title", "is required"),
        ("zh-TW: {title: 路由, txet: 內文}", "guide[0].zh-TW.txet", "unknown field (did you mean text?)"),
        ("zh-TW: {title: 路由, run: [ip route]}", "guide[0].zh-TW.run", "commands are not translated"),
        ("zh-TW: {title: 路由, checks: [a]}", "guide[0].zh-TW.checks", "check names are not translated"),
        ("zh-TW: {title: 7}", "guide[0].zh-TW.title", "must be a non-empty string"),
        ("zh-TW: {title: 路由, text: [a]}", "guide[0].zh-TW.text", "must be a string"),
        ("zh-TW: 路由", "guide[0].zh-TW", "must be a mapping, not str"),
        ("zh-CN: {title: 路由}", "guide[0].zh-CN", "unknown field (did you mean zh-TW?)"),
    ],
)
def test_a_bad_step_translation_names_the_field(make_lab, step: str, where: str, message: str) -> None:
    problems = problems_of(make_lab, ONE_STEP % ("zh-TW: {title: 小實驗}", step))
    assert len(problems) == 1 and problems[0][0] == where and problems[0][1].startswith(message), problems


@pytest.mark.parametrize(
    ("lab", "where", "message"),
    [
        ("zh-TW: {}", "zh-TW.title", "is required"),
        ("zh-TW:", "zh-TW.title", "is required"),
        ("zh-TW: {title: 小實驗, text: 內文}", "zh-TW.text", "unknown field"),
        ("zh-TW: [小實驗]", "zh-TW", "must be a mapping, not list"),
    ],
)
def test_a_bad_lab_translation_names_the_field(make_lab, lab: str, where: str, message: str) -> None:
    assert problems_of(make_lab, ONE_STEP % (lab, "zh-TW: {title: 路由}")) == [(where, message)]


def test_translations_are_optional(make_lab) -> None:
    lab = make_lab(ONE_STEP % ("", ""))
    assert lab.translations == {} and lab.guide[0].translations == {}
