"""The 企业备案 screens (企业商务部/海关/外汇备案申请, IC卡海关/外汇备案, IC卡权限申请) through Django's test
client, as the card-less user and the legal card see them: what the page says, which inputs are there,
what a 暂存 / 申报 leaves behind."""

import io
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.test import Client
from openpyxl import load_workbook

from eport.applications.models import Application, Status
from eport.cards.actions import card_act
from eport.cards.models import Card, CardPermission, CardState
from eport.filings.models import CardFiling, EnterpriseFiling
from eport.refdata.models import Unit
from eport.registry.models import CustomsRecord, ForexCancellation, ForexDirectoryEntry
from tests import factories as f

pytestmark = pytest.mark.django_db

COMMERCE, CUSTOMS, FOREX = "/filings/commerce/", "/filings/customs/", "/filings/forex/"
CARD_CUSTOMS, CARD_FOREX, PERMISSIONS = (
    "/filings/cards/customs/",
    "/filings/cards/forex/",
    "/filings/permissions/",
)


# --- a small HTML tree (the standard library's parser) ------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, {k: (v or "") for k, v in attrs}, parent, []

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    @property
    def text(self) -> str:
        return " ".join("".join(c if isinstance(c, str) else f" {c.text} " for c in self.children).split())

    def matches(self, key, value) -> bool:
        if value is True:
            return key in self.attrs
        if key == "class":
            return value in self.attrs.get("class", "").split()
        return self.attrs.get(key) == value

    def find_all(self, tag=None, **attrs):
        """Elements by tag and attributes (class_="x": one of its classes; data_card=True: has the attribute)."""
        attrs = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and all(n.matches(k, v) for k, v in attrs.items())
        ]

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, id_):
        return self.find(id=id_)

    def has(self, attr) -> bool:
        return attr in self.attrs


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", [])

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def page(response) -> Node:
    b = _Builder()
    b.feed(response.content.decode())
    return b.root


def text_of(doc: Node, id_: str) -> str:
    node = doc.by_id(id_)
    assert node is not None, f"#{id_} missing"
    return node.text


def field_error(doc: Node, name: str) -> str:
    """The error shown next to a field (the 红色提示 under its input), or ""."""
    err = doc.find("span", class_="field-error", data_field=name)  # the kinds' forms
    if err is None:  # the permission page's own date fields: the span in the input's box
        inp = doc.find("input", name=name)
        box = inp.parent if inp is not None else None
        err = box.find("span", class_="field-error") if box is not None else None
    return err.text if err is not None else ""


def messages_of(doc: Node) -> list[str]:
    return [li.text for li in doc.find_all("li", class_="msg")]


def checkbox(doc: Node, name: str, value: str) -> Node:
    box = doc.find("input", type="checkbox", name=name, value=value)
    assert box is not None, f"no checkbox {name}={value}"
    return box


def steps(doc: Node) -> list[tuple[str, str]]:
    table = doc.by_id("steps")
    return [(tr.attrs["data-unit"], tr.attrs["data-status"]) for tr in table.find_all("tr", data_unit=True)]


# --- who is signed in ---------------------------------------------------------------------------------


@pytest.fixture
def ctx(client):
    """An enterprise in the network with its legal card (its PIN already changed), signed in on `client`."""
    ra = f.ra_officer()
    legal = f.legal_card(f.enterprise_in_network(name="深圳备案界面测试有限公司"), ra=ra).card
    return SimpleNamespace(e=legal.enterprise, ra=ra, legal=legal, c=f.as_user(client, legal.user))


def operator_card(ctx, name="王五") -> Card:
    return f.operator_card(ctx.e, ra=ctx.ra, name=name).card


# --- 企业商务部备案申请 ------------------------------------------------------------------------------


def test_commerce_filing_refused_before_the_entry_then_auto_approved_once(client):
    user = f.cardless()
    c = f.as_user(client, user)
    r = c.get(COMMERCE)
    doc = page(r)
    assert r.status_code == 200 and "企业商务部备案申请" in doc.find("h1").text
    assert "只有在本系统先完成三证合一录入，才可以进行商务部备案" in text_of(doc, "page-refused")
    assert doc.by_id("page-form") is None and doc.by_id("btn-submit") is None

    f.draft_entry(user)
    doc = page(c.get(COMMERCE))
    assert doc.by_id("page-refused") is None
    assert text_of(doc, "app-status") == "未备案"
    code = doc.by_id("id_authority")
    assert (
        code.tag == "input"
        and code.attrs["data-lookup"] == "commerce_authorities"
        and code.attrs["data-min"] == "1"
    )
    assert doc.by_id("btn-save") is not None and doc.by_id("btn-submit") is not None

    # 申报 without the code: the error next to the field, nothing kept
    r = c.post(COMMERCE, {"authority": "", "action": "submit"})
    assert r.status_code == 400
    doc = page(r)
    assert field_error(doc, "authority")
    assert doc.by_id("error-summary") is not None
    assert not Application.objects.filter(kind="commerce_filing").exists()

    # an unknown code: refused next to the field, the typed code kept in the input
    r = c.post(COMMERCE, {"authority": "999999", "action": "submit"})
    doc = page(r)
    assert r.status_code == 400 and "没有这个商务主管机关代码" in field_error(doc, "authority")
    assert doc.by_id("id_authority").attrs.get("value") == "999999"
    assert not Application.objects.filter(kind="commerce_filing").exists()

    r = c.post(COMMERCE, {"authority": "440300", "action": "submit"})
    assert r.status_code == 302 and r["Location"] == COMMERCE
    app = Application.objects.get(kind="commerce_filing")
    assert app.status == Status.APPROVED
    doc = page(c.get(COMMERCE))
    assert f"企业商务部备案申请 {app.number} 申报成功，审核通过。" in messages_of(doc)
    assert text_of(doc, "app-status") == "备案通过"
    assert (
        doc.by_id("id_authority") is None
        and doc.by_id("btn-submit") is None
        and doc.by_id("btn-save") is None
    )
    assert not doc.find_all("input", name="authority")
    unit = Unit.objects.get(pk="commerce:440300")
    shown = text_of(doc, "v_authority")
    assert "440300" in shown and unit.name in shown
    history = doc.by_id("page-history")
    assert app.number in history.text and "审核通过" in history.text
    assert history.find("a", href=f"/applications/{app.id}/") is not None

    # POSTing again changes nothing
    r = c.post(COMMERCE, {"authority": "110000", "action": "submit"})
    assert r.status_code == 200 and "备案通过" == text_of(page(r), "app-status")
    assert Application.objects.filter(kind="commerce_filing").count() == 1
    assert (
        EnterpriseFiling.objects.get(enterprise=user.enterprise, filing="commerce").unit_id
        == "commerce:440300"
    )


def test_commerce_draft_is_kept_and_shown_again(client):
    user = f.cardless()
    f.draft_entry(user)
    c = f.as_user(client, user)
    r = c.post(COMMERCE, {"authority": "440300", "action": "save"})
    assert r.status_code == 302
    app = Application.objects.get(kind="commerce_filing")
    assert app.status == Status.DRAFT and app.data["authority"] == "440300"
    doc = page(c.get(COMMERCE))
    assert f"企业商务部备案申请 {app.number} 暂存成功。" in messages_of(doc)
    assert doc.by_id("id_authority").attrs.get("value") == "440300"
    assert app.number in doc.find("p", class_="state-line").text
    assert doc.find("input", name="version").attrs["value"] == str(app.version)


# --- 企业海关备案申请 ------------------------------------------------------------------------------


def test_customs_filing_needs_the_customs_registry_then_goes_to_review(ctx):
    c, e = ctx.c, ctx.e
    doc = page(c.get(CUSTOMS))
    assert "企业海关备案申请" in doc.find("h1").text and text_of(doc, "app-status") == "未备案"
    missing = text_of(doc, "customs-registry-missing")
    assert "海关企管" in missing and "联系主管海关企管处" in missing
    assert doc.by_id("id_filing_customs").attrs["data-lookup"] == "customs"
    assert doc.by_id("id_customs_code").attrs.get("value") == "5300"  # prefilled from the enterprise

    # 暂存 works without the registry row
    r = c.post(CUSTOMS, {"customs_code": "5300", "filing_customs": "5300", "action": "save"})
    assert r.status_code == 302
    app = Application.objects.get(kind="customs_filing", enterprise=e)
    assert app.status == Status.DRAFT
    doc = page(c.get(CUSTOMS))
    assert (
        f"企业海关备案申请 {app.number} 暂存成功。" in messages_of(doc)
        and text_of(doc, "app-status") == "暂存"
    )

    # 申报 is refused with the registry message; the draft stays as it was, the typed values stay on screen
    r = c.post(
        CUSTOMS,
        {"customs_code": "5300", "filing_customs": "5301", "version": app.version, "action": "submit"},
    )
    assert r.status_code == 409
    doc = page(r)
    summary = text_of(doc, "error-summary")
    assert "海关企管" in summary and "联系主管海关企管处" in summary
    assert doc.by_id("id_filing_customs").attrs.get("value") == "5301"
    assert doc.by_id("btn-submit") is not None
    old_version = app.version
    app.refresh_from_db()
    assert app.status == Status.DRAFT and app.data["filing_customs"] == "5300" and app.version == old_version
    assert not EnterpriseFiling.objects.filter(enterprise=e).exists()

    # with the registry row: the notice names the 海关注册编码; 申报 goes to the customs unit
    CustomsRecord.objects.create(uscc=e.uscc, name=e.name, reg_no="4403960001", customs_code="5300")
    doc = page(c.get(CUSTOMS))
    assert doc.by_id("customs-registry-missing") is None
    assert "4403960001" in text_of(doc, "customs-registry")
    r = c.post(
        CUSTOMS,
        {"customs_code": "5300", "filing_customs": "5300", "version": app.version, "action": "submit"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    doc = page(c.get(CUSTOMS))
    assert f"企业海关备案申请 {app.number} 申报成功，请等待审核。" in messages_of(doc)
    assert text_of(doc, "app-status") == "已申报，审核中"
    assert steps(doc) == [("customs:5300", "PENDING")]
    assert "审核过程中只可以查看" in doc.by_id("page-form").text
    assert doc.by_id("btn-submit") is None and doc.by_id("btn-save") is None
    assert not doc.find_all("input", name="filing_customs")
    assert "5300" in text_of(doc, "v_filing_customs")

    # a POST while in review changes nothing
    r = c.post(
        CUSTOMS,
        {"customs_code": "5300", "filing_customs": "5301", "version": app.version, "action": "submit"},
    )
    assert r.status_code == 200
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.data["filing_customs"] == "5300"
    assert Application.objects.filter(kind="customs_filing").count() == 1


def test_customs_registry_name_is_escaped(ctx):
    CustomsRecord.objects.create(
        uscc=ctx.e.uscc, name="<script>alert(1)</script>", reg_no="4403960001", customs_code="5300"
    )
    body = ctx.c.get(CUSTOMS).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_customs_filing_refused_before_network_entry(client):
    user = f.cardless()
    f.draft_entry(user)
    c = f.as_user(client, user)
    doc = page(c.get(CUSTOMS))
    assert "没有入网，不能办理海关备案" in text_of(doc, "page-refused")
    assert doc.by_id("btn-submit") is None and doc.by_id("customs-registry-missing") is None
    r = c.post(CUSTOMS, {"customs_code": "5300", "filing_customs": "5300", "action": "save"})
    assert r.status_code == 409 and "没有入网" in text_of(page(r), "page-refused")
    assert not Application.objects.filter(kind="customs_filing").exists()


# --- 企业外汇备案申请 ------------------------------------------------------------------------------


def test_forex_filing_refused_on_the_cancellation_list(ctx):
    ForexCancellation.objects.create(uscc=ctx.e.uscc, name=ctx.e.name, reason="注销")
    doc = page(ctx.c.get(FOREX))
    assert "本企业在外汇注销名录中，不能办理外汇备案" in text_of(doc, "page-refused")
    assert doc.by_id("btn-submit") is None
    r = ctx.c.post(FOREX, {"forex_bureau": "440300", "action": "submit"})
    assert r.status_code == 409 and "外汇注销名录" in text_of(page(r), "page-refused")
    assert not Application.objects.filter(kind="forex_filing").exists()


def test_forex_filing_auto_approved_on_a_directory_match(ctx):
    ForexDirectoryEntry.objects.create(uscc=ctx.e.uscc, name=ctx.e.name, forex_bureau="440300")
    doc = page(ctx.c.get(FOREX))
    assert doc.by_id("forex-directory-missing") is None and text_of(doc, "app-status") == "未备案"
    bureau = doc.by_id("id_forex_bureau")
    assert bureau.attrs["data-lookup"] == "forex_bureaus" and bureau.attrs["data-min"] == "2"
    r = ctx.c.post(FOREX, {"forex_bureau": "440300", "action": "submit"})
    assert r.status_code == 302
    doc = page(ctx.c.get(FOREX))
    app = Application.objects.get(kind="forex_filing", enterprise=ctx.e)
    assert f"企业外汇备案申请 {app.number} 申报成功，审核通过。" in messages_of(doc)
    assert text_of(doc, "app-status") == "备案通过"
    assert "440300" in text_of(doc, "v_forex_bureau")
    assert Unit.objects.get(pk="forex:440300").name in text_of(doc, "v_forex_bureau")
    assert EnterpriseFiling.objects.get(enterprise=ctx.e, filing="forex").unit_id == "forex:440300"


def test_forex_filing_outside_the_directory_goes_to_the_bureau(ctx):
    doc = page(ctx.c.get(FOREX))
    assert "不在外汇企业名录中" in text_of(doc, "forex-directory-missing")
    r = ctx.c.post(FOREX, {"forex_bureau": "440300", "action": "submit"})
    assert r.status_code == 302
    doc = page(ctx.c.get(FOREX))
    app = Application.objects.get(kind="forex_filing", enterprise=ctx.e)
    assert f"企业外汇备案申请 {app.number} 申报成功，请等待审核。" in messages_of(doc)
    assert text_of(doc, "app-status") == "已申报，审核中"
    assert steps(doc) == [("forex:440300", "PENDING")]
    assert doc.by_id("btn-submit") is None
    assert not EnterpriseFiling.objects.filter(enterprise=ctx.e).exists()


# --- IC卡海关备案 / IC卡外汇备案 -------------------------------------------------------------------


def test_card_filing_refused_until_the_enterprise_is_filed(ctx):
    op = operator_card(ctx)
    doc = page(ctx.c.get(CARD_CUSTOMS))
    assert "IC卡海关备案" in doc.find("h1").text
    assert "企业尚未完成海关备案，不能办理IC卡海关备案" in text_of(doc, "page-refused")
    assert doc.by_id("page-form") is None and doc.by_id("btn-submit") is None
    assert text_of(doc, "app-status") == "未申请"
    r = ctx.c.post(CARD_CUSTOMS, {"card_nos": [op.card_no], "action": "submit"})
    assert r.status_code == 409 and "企业尚未完成海关备案" in r.content.decode()
    assert not Application.objects.filter(kind="card_customs_filing").exists()
    # the forex one waits for the enterprise's forex filing
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    assert "企业尚未完成外汇备案，不能办理IC卡外汇备案" in text_of(
        page(ctx.c.get(CARD_FOREX)), "page-refused"
    )


def test_card_customs_filing_lists_chooses_and_files_the_enterprises_cards(ctx):
    c = ctx.c
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx, name="王五")
    frozen = operator_card(ctx, name="赵六")
    card_act(actor=ctx.legal.user, card_no=frozen.card_no, action="freeze")
    other = f.make_card("operator", ra=ctx.ra).card

    doc = page(c.get(CARD_CUSTOMS))
    assert doc.by_id("page-refused") is None and text_of(doc, "app-status") == "未申请"
    listed = {tr.attrs["data-card"] for tr in doc.by_id("card-list").find_all("tr", data_card=True)}
    assert listed == {ctx.legal.card_no, op.card_no, frozen.card_no}
    assert other.card_no not in c.get(CARD_CUSTOMS).content.decode()
    select_all = doc.find("input", data_select_all="card_nos")
    assert select_all is not None and select_all.attrs["type"] == "checkbox"
    assert "全选" in select_all.parent.text
    box = checkbox(doc, "card_nos", frozen.card_no)
    assert box.has("disabled")
    assert "已冻结" in doc.find("tr", data_card=frozen.card_no).text
    assert not checkbox(doc, "card_nos", op.card_no).has("disabled")
    assert not checkbox(doc, "card_nos", op.card_no).has("checked")

    # 暂存 keeps the choice checked on reload
    r = c.post(CARD_CUSTOMS, {"card_nos": [op.card_no], "action": "save"})
    assert r.status_code == 302
    app = Application.objects.get(kind="card_customs_filing", enterprise=ctx.e)
    assert app.status == Status.DRAFT and app.data["card_nos"] == [op.card_no]
    doc = page(c.get(CARD_CUSTOMS))
    assert (
        f"IC卡海关备案 {app.number}（IC卡 {op.card_no}） 暂存成功。" in messages_of(doc)
        and text_of(doc, "app-status") == "暂存"
    )
    assert checkbox(doc, "card_nos", op.card_no).has("checked")
    assert not checkbox(doc, "card_nos", ctx.legal.card_no).has("checked")

    # 申报: approved by itself; the cards show 已备案 and cannot be chosen again
    r = c.post(
        CARD_CUSTOMS,
        {"card_nos": [op.card_no, ctx.legal.card_no], "version": app.version, "action": "submit"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    doc = page(c.get(CARD_CUSTOMS))
    assert (
        f"IC卡海关备案 {app.number}（IC卡 {op.card_no}、{ctx.legal.card_no}） 申报成功，审核通过。"
        in messages_of(doc)
    )
    assert text_of(doc, "app-status") == "审核通过"
    assert steps(doc) == [("customs:5300", "AUTO_APPROVED")]
    for no in (op.card_no, ctx.legal.card_no):
        assert "已备案" in doc.find("tr", data_card=no).text
        assert checkbox(doc, "card_nos", no).has("disabled")
    assert set(CardFiling.objects.filter(filing="customs").values_list("card__card_no", flat=True)) == {
        op.card_no,
        ctx.legal.card_no,
    }
    assert app.number in text_of(doc, "page-history")


def test_card_filing_of_another_enterprises_card_is_refused_and_files_nothing(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    other = f.make_card("operator", ra=ctx.ra).card
    for action in ("save", "submit"):
        r = ctx.c.post(CARD_CUSTOMS, {"card_nos": [other.card_no], "action": action})
        assert r.status_code == 404
        body = r.content.decode()
        assert "本企业没有IC卡" in body and other.card_no in body
    assert not Application.objects.filter(kind="card_customs_filing").exists()
    assert not CardFiling.objects.exists()


def test_card_filing_with_no_card_chosen_says_so(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    r = ctx.c.post(CARD_CUSTOMS, {"action": "submit"})
    assert r.status_code == 400 and "请至少选择一张IC卡" in text_of(page(r), "error-summary")
    assert not Application.objects.filter(kind="card_customs_filing").exists()


def test_card_filing_choice_outside_the_query_is_kept(ctx):
    """Cards chosen but filtered out by 查询 are still posted (hidden), so 暂存 does not drop them."""
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx, name="王五")
    ctx.c.post(CARD_CUSTOMS, {"card_nos": [op.card_no, ctx.legal.card_no], "action": "save"})
    doc = page(ctx.c.get(CARD_CUSTOMS, {"card_no": op.card_no}))
    assert {tr.attrs["data-card"] for tr in doc.find_all("tr", data_card=True)} == {op.card_no}
    hidden = doc.find("input", type="hidden", name="card_nos")
    assert hidden is not None and hidden.attrs["value"] == ctx.legal.card_no


def test_card_pages_are_the_legal_cards_only(client):
    user = f.cardless()
    c = f.as_user(client, user)
    for url in (CARD_CUSTOMS, CARD_FOREX, PERMISSIONS, f"{PERMISSIONS}X000000001/"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert "您没有使用这个功能的权限" in r.content.decode()
    assert c.post(CARD_CUSTOMS, {"card_nos": ["X"], "action": "submit"}).status_code == 403
    assert not Application.objects.exists()


# --- IC卡权限申请 ---------------------------------------------------------------------------------


def test_permission_list_shows_filings_and_permissions_and_exports(ctx):
    op = operator_card(ctx, name="王五")
    other = f.make_card("operator", ra=ctx.ra).card
    CardFiling.objects.create(card=op, filing="customs")
    CardPermission.objects.create(card=op, subsystem_id="express")
    doc = page(ctx.c.get(PERMISSIONS))
    rows = {tr.attrs["data-card"]: tr for tr in doc.by_id("card-list").find_all("tr", data_card=True)}
    assert set(rows) == {ctx.legal.card_no, op.card_no}
    assert "海关备案" in rows[op.card_no].text and "快件通关" in rows[op.card_no].text
    assert "未备案" in rows[ctx.legal.card_no].text
    assert rows[op.card_no].find("a", href=f"{PERMISSIONS}{op.card_no}/") is not None
    export = doc.by_id("btn-export")
    assert "导出Excel" in export.text and "export=xlsx" in export.attrs["href"]

    r = ctx.c.get(PERMISSIONS, {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "IC卡号" and "海关备案" in rows[0] and "子系统权限" in rows[0]
    assert sorted(x[0] for x in rows[1:]) == sorted([ctx.legal.card_no, op.card_no])
    assert other.card_no not in [x[0] for x in rows]
    by_no = {x[0]: x for x in rows[1:]}
    assert by_no[op.card_no][rows[0].index("海关备案")] == "已备案"
    assert by_no[op.card_no][rows[0].index("子系统权限")] == "快件通关"
    # the export follows the query
    r = ctx.c.get(PERMISSIONS, {"card_no": op.card_no, "export": "xlsx"})
    assert [x[0] for x in list(load_workbook(io.BytesIO(r.content)).active.values)[1:]] == [op.card_no]


def test_permission_page_of_an_unfiled_card_says_why(ctx):
    op = operator_card(ctx)
    doc = page(ctx.c.get(f"{PERMISSIONS}{op.card_no}/"))
    assert op.card_no in doc.find("h1").text
    assert "尚未备案" in text_of(doc, "page-refused") and op.card_no in text_of(doc, "page-refused")
    assert doc.by_id("btn-submit") is None
    assert text_of(doc, "card-filings") == "未备案"


def test_permission_page_offers_what_the_card_may_hold_and_grants_exactly_that(ctx):
    c = ctx.c
    op = operator_card(ctx)
    CardFiling.objects.create(card=op, filing="customs")
    url = f"{PERMISSIONS}{op.card_no}/"
    doc = page(c.get(url))
    assert doc.by_id("page-refused") is None and text_of(doc, "card-filings") == "海关备案"
    assert doc.find("input", data_select_all="subsystems") is not None
    receipt = checkbox(doc, "subsystems", "export_receipt")
    assert receipt.has("disabled")
    assert "需先完成IC卡外汇备案" in doc.find("tr", data_subsystem="export_receipt").text
    signing = checkbox(doc, "subsystems", "paperless_signing")
    assert (
        signing.has("disabled")
        and "操作员卡不可授权" in doc.find("tr", data_subsystem="paperless_signing").text
    )
    for code in ("express", "paperless_delegation", "enterprise_mgmt"):
        assert not checkbox(doc, "subsystems", code).has("disabled"), code

    # valid_to before valid_from: the error next to 权限有效期至, the choice and dates kept
    r = c.post(
        url,
        {"subsystems": ["express"], "valid_from": "2030-01-02", "valid_to": "2030-01-01", "action": "submit"},
    )
    assert r.status_code == 400
    doc = page(r)
    assert "不能早于" in field_error(doc, "valid_to")
    assert not field_error(doc, "valid_from")
    assert doc.by_id("id_valid_to").attrs.get("value") == "2030-01-01"
    assert doc.by_id("id_valid_from").attrs.get("value") == "2030-01-02"
    assert checkbox(doc, "subsystems", "express").has("checked")
    assert not Application.objects.filter(kind="card_permission").exists()

    r = c.post(url, {"subsystems": ["express", "paperless_delegation"], "action": "submit"})
    assert r.status_code == 302 and r["Location"] == url
    doc = page(c.get(url))
    app = Application.objects.get(kind="card_permission")
    assert f"IC卡权限申请 {app.number}（IC卡 {op.card_no}） 申报成功，审核通过。" in messages_of(doc)
    assert text_of(doc, "app-status") == "审核通过"
    assert set(CardPermission.objects.filter(card=op).values_list("subsystem_id", flat=True)) == {
        "express",
        "paperless_delegation",
    }
    assert checkbox(doc, "subsystems", "express").has("checked")
    assert checkbox(doc, "subsystems", "paperless_delegation").has("checked")
    assert not checkbox(doc, "subsystems", "enterprise_mgmt").has("checked")
    app = Application.objects.get(kind="card_permission")
    assert app.number in text_of(doc, "page-history")
    listed = page(c.get(PERMISSIONS)).find("tr", data_card=op.card_no).text
    assert "快件通关" in listed and "通关无纸化代理报关委托" in listed


def test_permission_refusal_of_a_subsystem_is_shown_and_grants_nothing(ctx):
    op = operator_card(ctx)
    CardFiling.objects.create(card=op, filing="customs")
    url = f"{PERMISSIONS}{op.card_no}/"
    r = ctx.c.post(url, {"subsystems": ["express", "export_receipt"], "action": "submit"})
    assert r.status_code == 409
    err = text_of(page(r), "error-summary")
    assert "出口收汇" in err and "外汇备案" in err
    assert not CardPermission.objects.filter(card=op).exists()
    assert not Application.objects.filter(kind="card_permission").exists()


def test_permission_page_of_another_enterprises_card_is_not_found(ctx):
    other = f.make_card("operator", ra=ctx.ra).card
    CardFiling.objects.create(card=other, filing="customs")
    url = f"{PERMISSIONS}{other.card_no}/"
    r = ctx.c.get(url)
    assert r.status_code == 404 and "本企业没有这张IC卡" in r.content.decode()
    assert ctx.c.post(url, {"subsystems": ["express"], "action": "submit"}).status_code == 404
    assert (
        not CardPermission.objects.exists()
        and not Application.objects.filter(kind="card_permission").exists()
    )


# --- the menu ---------------------------------------------------------------------------------------


def _menu_group(doc: Node, title: str) -> list[tuple[str, str]]:
    for group in doc.by_id("sidemenu").find_all("div", class_="group"):
        if group.find("div", class_="group-title").text == title:
            return [(a.text, a.attrs["href"]) for a in group.find_all("a")]
    raise AssertionError(f"no menu group {title}")


def test_menu_of_the_cardless_user(client):
    doc = page(f.as_user(client, f.cardless()).get("/entries/"))
    assert _menu_group(doc, "企业备案") == [
        ("三证合一信息管理", "/entries/"),
        ("企业商务部备案申请", COMMERCE),
        ("企业海关备案申请", CUSTOMS),
        ("企业外汇备案申请", FOREX),
    ]


def test_menu_of_the_legal_card(ctx):
    doc = page(ctx.c.get("/card/"))
    assert _menu_group(doc, "企业备案") == [
        ("企业商务部备案申请", COMMERCE),
        ("企业海关备案申请", CUSTOMS),
        ("企业外汇备案申请", FOREX),
        ("IC卡海关备案", CARD_CUSTOMS),
        ("IC卡外汇备案", CARD_FOREX),
        ("IC卡权限申请", PERMISSIONS),
    ]
    # the entry of the open page is marked
    doc = page(ctx.c.get(CARD_FOREX))
    active = doc.by_id("sidemenu").find("a", class_="active")
    assert active is not None and active.attrs["href"] == CARD_FOREX


def test_operator_card_has_no_filing_screens(ctx):
    op = operator_card(ctx)
    Card.objects.filter(pk=op.pk).update(must_change_pin=False)
    c = f.as_user(Client(), op.user)
    for url in (COMMERCE, CARD_CUSTOMS, PERMISSIONS):
        assert c.get(url).status_code == 403, url


def test_card_states_are_shown_for_a_lost_card(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx)
    Card.objects.filter(pk=op.pk).update(state=CardState.LOST)
    doc = page(ctx.c.get(CARD_CUSTOMS))
    assert checkbox(doc, "card_nos", op.card_no).has("disabled")
    assert "已挂失" in doc.find("tr", data_card=op.card_no).text


# --- what else a user runs into -----------------------------------------------------------------------


def test_customs_filing_returned_by_the_customs_is_corrected_and_declared_again(ctx, client):
    CustomsRecord.objects.create(uscc=ctx.e.uscc, name=ctx.e.name, reg_no="4403960001", customs_code="5300")
    ctx.c.post(CUSTOMS, {"customs_code": "5300", "filing_customs": "5300", "action": "submit"})
    app = Application.objects.get(kind="customs_filing")
    step = app.steps.get()
    reviewer = f.as_user(Client(), f.staff("reviewer", "customs:5300"))
    r = reviewer.post(f"/reviews/{step.id}/", {"action": "return", "opinion": "备案海关应为皇岗海关"})
    assert r.status_code == 302
    doc = page(ctx.c.get(CUSTOMS))
    assert text_of(doc, "app-status") == "退回"
    assert ("customs:5300", "RETURNED") in steps(doc) and "备案海关应为皇岗海关" in text_of(doc, "steps")
    assert doc.by_id("id_filing_customs").attrs.get("value") == "5300" and doc.by_id("btn-submit") is not None
    app.refresh_from_db()
    r = ctx.c.post(
        CUSTOMS,
        {"customs_code": "5300", "filing_customs": "5301", "version": app.version, "action": "submit"},
    )
    assert r.status_code == 302
    doc = page(ctx.c.get(CUSTOMS))
    assert text_of(doc, "app-status") == "已申报，审核中"
    assert ("customs:5301", "PENDING") in steps(doc)
    # approved: the page says 备案通过 with the 备案海关 and offers nothing more
    step = Application.objects.get(pk=app.pk).steps.get(status="PENDING")
    f.as_user(Client(), f.staff("reviewer", "customs:5301")).post(
        f"/reviews/{step.id}/", {"action": "approve", "opinion": "同意"}
    )
    doc = page(ctx.c.get(CUSTOMS))
    assert text_of(doc, "app-status") == "备案通过"
    assert Unit.objects.get(pk="customs:5301").name in text_of(doc, "v_filing_customs")
    assert doc.by_id("btn-submit") is None and doc.by_id("customs-registry") is None


def test_legal_card_files_commerce_without_an_entry_of_its_own(ctx):
    doc = page(ctx.c.get(COMMERCE))
    assert doc.by_id("page-refused") is None and doc.by_id("btn-submit") is not None
    assert ctx.c.post(COMMERCE, {"authority": "440300", "action": "submit"}).status_code == 302
    assert text_of(page(ctx.c.get(COMMERCE)), "app-status") == "备案通过"
    # the card-less user of the same enterprise sees it filed too
    user = f.cardless(uscc=ctx.e.uscc)
    assert text_of(page(f.as_user(Client(), user).get(COMMERCE)), "app-status") == "备案通过"


def test_card_filing_of_a_frozen_card_is_refused_naming_it(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx)
    card_act(actor=ctx.legal.user, card_no=op.card_no, action="freeze")
    r = ctx.c.post(CARD_CUSTOMS, {"card_nos": [op.card_no], "action": "submit"})
    assert r.status_code == 409
    err = text_of(page(r), "error-summary")
    assert op.card_no in err and "已冻结" in err
    assert (
        not CardFiling.objects.exists()
        and not Application.objects.filter(kind="card_customs_filing").exists()
    )


def test_card_filing_from_a_stale_page_is_refused(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx)
    ctx.c.post(CARD_CUSTOMS, {"card_nos": [op.card_no], "action": "save"})
    app = Application.objects.get(kind="card_customs_filing")
    stale = app.version
    ctx.c.post(CARD_CUSTOMS, {"card_nos": [ctx.legal.card_no], "version": stale, "action": "save"})
    r = ctx.c.post(CARD_CUSTOMS, {"card_nos": [op.card_no], "version": stale, "action": "submit"})
    assert r.status_code == 409 and "已被修改过" in text_of(page(r), "error-summary")
    app.refresh_from_db()
    assert app.status == Status.DRAFT and app.data["card_nos"] == [ctx.legal.card_no]
    assert not CardFiling.objects.exists()


def test_card_holder_names_are_escaped(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx, name="<i>王五</i>")
    Card.objects.filter(pk=op.pk).update(holder_name="<i>王五</i>")
    for url in (CARD_CUSTOMS, PERMISSIONS):
        body = ctx.c.get(url).content.decode()
        assert "<i>王五" not in body and "&lt;i&gt;王五" in body, url
    CardFiling.objects.create(card=op, filing="customs")
    body = ctx.c.get(f"{PERMISSIONS}{op.card_no}/").content.decode()
    assert "<i>王五" not in body and "&lt;i&gt;王五" in body


def test_permission_list_query_by_holder(ctx):
    op = operator_card(ctx, name="欧阳明")
    doc = page(ctx.c.get(PERMISSIONS, {"holder_name": "欧阳"}))
    assert {tr.attrs["data-card"] for tr in doc.find_all("tr", data_card=True)} == {op.card_no}
    assert doc.by_id("q_holder_name").attrs["value"] == "欧阳"
    assert "holder_name=" in doc.by_id("btn-export").attrs["href"]


def test_permission_of_a_frozen_filed_card_is_refused_with_the_reason(ctx):
    op = operator_card(ctx)
    CardFiling.objects.create(card=op, filing="customs")
    card_act(actor=ctx.legal.user, card_no=op.card_no, action="freeze")
    r = ctx.c.post(f"{PERMISSIONS}{op.card_no}/", {"subsystems": ["express"], "action": "submit"})
    assert r.status_code == 409
    doc = page(r)
    assert "已冻结" in text_of(doc, "error-summary")
    assert checkbox(doc, "subsystems", "express").has("checked")
    assert not CardPermission.objects.exists()


def test_permission_draft_is_kept_per_card(ctx):
    op = operator_card(ctx)
    CardFiling.objects.create(card=op, filing="customs")
    CardFiling.objects.create(card=ctx.legal, filing="customs")
    url = f"{PERMISSIONS}{op.card_no.lower()}/"
    r = ctx.c.post(url, {"subsystems": ["express"], "valid_from": "2030-01-01", "action": "save"})
    assert r.status_code == 302 and r["Location"] == f"{PERMISSIONS}{op.card_no}/"
    doc = page(ctx.c.get(r["Location"]))
    app = Application.objects.get(kind="card_permission", enterprise=ctx.e)
    assert (
        f"IC卡权限申请 {app.number}（IC卡 {op.card_no}） 暂存成功。" in messages_of(doc)
        and text_of(doc, "app-status") == "暂存"
    )
    assert checkbox(doc, "subsystems", "express").has("checked")
    assert doc.by_id("id_valid_from").attrs["value"] == "2030-01-01"
    # the legal card's own page has nothing of it
    doc = page(ctx.c.get(f"{PERMISSIONS}{ctx.legal.card_no}/"))
    assert text_of(doc, "app-status") == "未申请" and not checkbox(doc, "subsystems", "express").has(
        "checked"
    )


def test_forex_filing_refused_before_network_entry(client):
    user = f.cardless()
    f.draft_entry(user)
    doc = page(f.as_user(client, user).get(FOREX))
    assert "未在三证合一系统中入网，不能办理外汇备案" in text_of(doc, "page-refused")
    assert doc.by_id("forex-directory-missing") is None and doc.by_id("btn-submit") is None


def test_card_forex_filing_opens_the_forex_subsystems(ctx):
    f.enterprise_filed(ctx.e, "forex", "forex:440300")
    op = operator_card(ctx)
    doc = page(ctx.c.get(CARD_FOREX))
    assert "IC卡外汇备案" in doc.find("h1").text and doc.by_id("page-refused") is None
    r = ctx.c.post(CARD_FOREX, {"card_nos": [op.card_no], "action": "submit"})
    assert r.status_code == 302
    doc = page(ctx.c.get(CARD_FOREX))
    assert text_of(doc, "app-status") == "审核通过" and steps(doc) == [("forex:440300", "AUTO_APPROVED")]
    assert "已备案" in doc.find("tr", data_card=op.card_no).text
    # the customs page of the same card still offers it (another filing)
    doc = page(ctx.c.get(CARD_CUSTOMS))
    assert "企业尚未完成海关备案" in text_of(doc, "page-refused")
    url = f"{PERMISSIONS}{op.card_no}/"
    doc = page(ctx.c.get(url))
    assert text_of(doc, "card-filings") == "外汇备案"
    assert not checkbox(doc, "subsystems", "export_receipt").has("disabled")
    assert "需先完成IC卡海关备案" in doc.find("tr", data_subsystem="express").text
    assert ctx.c.post(url, {"subsystems": ["export_receipt"], "action": "submit"}).status_code == 302
    assert list(CardPermission.objects.filter(card=op).values_list("subsystem_id", flat=True)) == [
        "export_receipt"
    ]


def test_card_numbers_typed_into_a_refusal_are_escaped(ctx):
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    r = ctx.c.post(CARD_CUSTOMS, {"card_nos": ["<b>x</b>"], "action": "save"})
    body = r.content.decode()
    assert r.status_code == 404 and "<B>X</B>" not in body and "<b>x</b>" not in body
    assert "本企业没有IC卡 &lt;B&gt;X&lt;/B&gt;" in body


def test_permission_export_too_large_is_refused_with_a_message(ctx, settings):
    settings.EXPORT_MAX_ROWS = 1
    operator_card(ctx)
    r = ctx.c.get(PERMISSIONS, {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert any("导出的记录超过1条" in m for m in messages_of(page(r)))


def test_signed_out_users_are_sent_to_the_right_sign_in(client):
    r = client.get(COMMERCE)
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/filings/commerce/")
    for url in (CARD_CUSTOMS, PERMISSIONS):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/card/login/?next="), url


def test_commerce_filing_page_in_english(client):
    """Asserted once the filing screens are translated (the catalogue has no English for them yet)."""
    from django.utils import translation

    with translation.override("en"):
        title = translation.gettext("企业商务部备案申请")
    if title == "企业商务部备案申请":
        pytest.skip("no English translation of the 企业备案 screens in the catalogue yet")
    user = f.cardless()
    f.draft_entry(user)
    doc = page(f.as_user(client, user).get(COMMERCE, HTTP_ACCEPT_LANGUAGE="en"))
    for text in (doc.find("title").text, doc.find("h1").text):
        assert title in text and not any("\u4e00" <= ch <= "\u9fff" for ch in text), text


def test_a_chosen_card_that_became_unusable_stays_choosable_and_is_refused_by_name(ctx):
    """A card saved in the draft and frozen since: its box stays ticked and enabled (a disabled box would
    be dropped silently by the browser), and 申报 is refused naming it until it is unticked."""
    c = ctx.c
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    op = operator_card(ctx, name="钱八")
    assert (
        c.post(CARD_CUSTOMS, {"card_nos": [op.card_no, ctx.legal.card_no], "action": "save"}).status_code
        == 302
    )
    card_act(actor=ctx.legal.user, card_no=op.card_no, action="freeze")
    doc = page(c.get(CARD_CUSTOMS))
    box = checkbox(doc, "card_nos", op.card_no)
    assert box.has("checked") and not box.has("disabled")
    app = Application.objects.get(kind="card_customs_filing", enterprise=ctx.e)
    r = c.post(
        CARD_CUSTOMS,
        {"card_nos": [op.card_no, ctx.legal.card_no], "version": app.version, "action": "submit"},
    )
    assert r.status_code == 409 and op.card_no in r.content.decode()
    assert not CardFiling.objects.exists()
    r = c.post(CARD_CUSTOMS, {"card_nos": [ctx.legal.card_no], "version": app.version, "action": "submit"})
    assert r.status_code == 302
    assert list(CardFiling.objects.values_list("card__card_no", flat=True)) == [ctx.legal.card_no]


def test_card_lists_are_paged_and_a_choice_on_another_page_is_kept(ctx):
    c = ctx.c
    f.enterprise_filed(ctx.e, "customs", "customs:5300")
    cards = [operator_card(ctx, name=f"分页{i}") for i in range(11)]  # with the legal card: 12 cards
    for url in (CARD_CUSTOMS, PERMISSIONS):
        first, second = page(c.get(url)), page(c.get(url, {"page": 2}))
        rows = [len(d.by_id("card-list").find_all("tr", data_card=True)) for d in (first, second)]
        assert rows == [10, 2], (url, rows)
        assert "共 12 条" in first.find("nav", class_="pager").text
    # A card chosen and saved from page 2 stays chosen when page 1 is saved and declared.
    on_page_2 = [
        tr.attrs["data-card"] for tr in page(c.get(CARD_CUSTOMS, {"page": 2})).find_all("tr", data_card=True)
    ]
    assert c.post(CARD_CUSTOMS + "?page=2", {"card_nos": on_page_2[:1], "action": "save"}).status_code == 302
    doc = page(c.get(CARD_CUSTOMS))
    assert [i.attrs["value"] for i in doc.find_all("input", type="hidden", name="card_nos")] == on_page_2[:1]
    app = Application.objects.get(kind="card_customs_filing", enterprise=ctx.e)
    r = c.post(
        CARD_CUSTOMS,
        {"card_nos": [*on_page_2[:1], cards[0].card_no], "version": app.version, "action": "submit"},
    )
    assert r.status_code == 302
    assert set(CardFiling.objects.values_list("card__card_no", flat=True)) == {on_page_2[0], cards[0].card_no}


def test_the_card_query_shows_each_cards_filings_and_permissions(ctx):
    """综合查询 (SPEC §4: state, validity, filings, permissions): the list says which filings a card has and
    how many permissions (their names on hover); the card page lists them."""
    op = operator_card(ctx, name="周九")
    CardFiling.objects.create(card=op, filing="customs")
    CardPermission.objects.create(card=op, subsystem_id="express")
    doc = page(ctx.c.get("/cards/"))
    cell = doc.find("tr", data_card=op.card_no).find("td", class_="filings")
    assert "海关备案" in cell.text and "1 项权限" in cell.text and cell.attrs["title"] == "快件通关"
    assert doc.find("tr", data_card=ctx.legal.card_no).find("td", class_="filings").text == "-"
    card_page = page(ctx.c.get(f"/cards/{op.card_no}/"))
    assert "海关备案" in text_of(card_page, "card-filings")


def test_after_a_change_of_the_enterprise_the_filing_page_leads_to_its_filing_change(client):
    """备案变更: the filed page says what the filing still holds and links to the change; the change page
    shows the same, is prefilled with the authority and files the change (here the forex bureau reviews it:
    the directory still holds the old name)."""
    from eport.enterprises.services import enterprise_apply_data, master_data

    user = f.cardless(uscc=f.enterprise_in_network(name="深圳旧名贸易有限公司").uscc)
    e = user.enterprise
    ForexDirectoryEntry.objects.create(uscc=e.uscc, name=e.name, forex_bureau="440300")
    c = f.as_user(client, user)
    assert c.post(FOREX, {"forex_bureau": "440300", "action": "submit"}).status_code == 302
    doc = page(c.get(FOREX))
    assert text_of(doc, "app-status") == "备案通过" and doc.by_id("filing-change") is None

    enterprise_apply_data(
        enterprise=e, data={**master_data(e), "name": "深圳新名科技有限公司"}, application=None
    )
    doc = page(c.get(FOREX))
    assert "企业名称 深圳旧名贸易有限公司（现为 深圳新名科技有限公司）" in text_of(doc, "filing-behind")
    link = doc.by_id("filing-change")
    assert link.attrs["href"] == "/filings/forex/change/" and link.text == "企业外汇备案变更"

    doc = page(c.get("/filings/forex/change/"))
    assert doc.find("h1").text == "企业外汇备案变更"
    assert "深圳旧名贸易有限公司" in text_of(doc, "filing-behind")
    assert doc.by_id("id_forex_bureau").attrs.get("value") == "440300"
    r = c.post("/filings/forex/change/", {"forex_bureau": "999999", "action": "submit"})
    assert r.status_code == 400 and "没有这个外汇局代码" in field_error(page(r), "forex_bureau")
    r = c.post("/filings/forex/change/", {"forex_bureau": "440300", "action": "submit"})
    assert r.status_code == 302
    app = Application.objects.get(kind="forex_filing_change")
    assert app.status == Status.SUBMITTED
    doc = page(c.get(FOREX))
    assert doc.by_id("filing-change").attrs["href"] == "/filings/forex/change/"  # under way: still linked
    doc = page(c.get("/filings/forex/change/"))
    assert text_of(doc, "app-status") == "申报"
    assert doc.by_id("btn-submit") is None

    # The bureau's reviewer sees what the filing follows, old → new, beside the directory's entry.
    step = app.steps.get()
    reviewer = Client()
    f.as_user(reviewer, f.staff("reviewer", "forex:440300"))
    review = reviewer.get(f"/reviews/{step.id}/").content.decode()
    assert "深圳旧名贸易有限公司 → 深圳新名科技有限公司" in review and "外汇企业名录" in review
