"""The one Jinja environment every HTML report is rendered with: everything escaped, a strict CSP."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

# The one script a report may run: sort a `table.tools` by a header click and filter its rows by a search box
# (issue 25 item 7: a practice manager works through hundreds of flagged records). Inline, since a report is one
# file opened from disk; it reads only the page's own text and writes only row order and visibility.
TABLE_SCRIPT = """
document.querySelectorAll("table.tools").forEach(function (table) {
  var body = table.tBodies[0], input = document.createElement("input");
  input.type = "search"; input.placeholder = "Filter rows"; input.className = "filter";
  table.parentNode.insertBefore(input, table);
  function rows() { return Array.prototype.slice.call(body.rows); }
  input.addEventListener("input", function () {
    var q = input.value.toLowerCase();
    rows().forEach(function (r) { r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0; });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      rows().sort(function (a, b) {
        var x = a.cells[i].textContent.trim(), y = b.cells[i].textContent.trim();
        var c = (x !== "" && y !== "" && !isNaN(x) && !isNaN(y)) ? x - y : x.localeCompare(y);
        return up ? c : -c;
      }).forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""
# Reports hold names, notes and file names exactly as a practice typed them; autoescaping is on for
# every template (a `select_autoescape(["html"])` rule missed `*.html.j2`, issue #15), and the page may
# load nothing at all: no image, font, frame or form target, only its own inline styles — and run no
# script but TABLE_SCRIPT, allowed by its sha256 (not 'unsafe-inline', not a nonce: a report is a static
# file, so a nonce would be fixed in it; the hash admits exactly this text and nothing injected beside it).
TABLE_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(TABLE_SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src '{TABLE_SCRIPT_HASH}'; base-uri 'none'; "
    "form-action 'none'"
)
SHARED_TEMPLATES = "checks"


@cache
def report_environment(package: str = SHARED_TEMPLATES) -> Environment:
    """Templates from `<package>/templates` (then this package's shared ones), autoescaped."""
    loaders = [PackageLoader(package, "templates")]
    if package != SHARED_TEMPLATES:
        loaders.append(PackageLoader(SHARED_TEMPLATES, "templates"))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True)
    env.globals["content_security_policy"] = CONTENT_SECURITY_POLICY
    # A constant of this module, never data: the one text marked safe, and hashed in the policy.
    env.globals["table_script"] = Markup(TABLE_SCRIPT)  # noqa: S704
    return env


def render_report(template: str, package: str = SHARED_TEMPLATES, **context: object) -> str:
    return report_environment(package).get_template(template).render(**context)
