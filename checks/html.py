"""The one Jinja environment every HTML report is rendered with: everything escaped, a strict CSP."""

from __future__ import annotations

from functools import cache

from jinja2 import ChoiceLoader, Environment, PackageLoader

# Reports hold names, notes and file names exactly as a practice typed them; autoescaping is on for
# every template (a `select_autoescape(["html"])` rule missed `*.html.j2`, issue #15), and the page may
# load nothing at all: no script, image, font, frame or form target, only its own inline styles.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
SHARED_TEMPLATES = "checks"


@cache
def report_environment(package: str = SHARED_TEMPLATES) -> Environment:
    """Templates from `<package>/templates` (then this package's shared ones), autoescaped."""
    loaders = [PackageLoader(package, "templates")]
    if package != SHARED_TEMPLATES:
        loaders.append(PackageLoader(SHARED_TEMPLATES, "templates"))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True)
    env.globals["content_security_policy"] = CONTENT_SECURITY_POLICY
    return env


def render_report(template: str, package: str = SHARED_TEMPLATES, **context: object) -> str:
    return report_environment(package).get_template(template).render(**context)
