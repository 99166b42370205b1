"""The class report in a real browser: headless Chromium renders it with no console message, and every
chart text it lays out (with the fonts it really has) lies inside its drawing.

.ci/run installs Chromium (Debian's package) when it is missing; the test skips, saying so, only on a
machine where it is not installed. The same harness is checked on a page with a script error, so a
silent harness cannot pass the real test.
"""

import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, SUBMISSIONS, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed here (.ci/run installs it "
                                                          "with apt-get install chromium)")


def _render(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM after loading, and Chromium's console lines for the page."""
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                          "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=180, start_new_session=True)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def test_harness_sees_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>")
    _, console = _render(page, tmp_path / "profile")
    assert any("undefinedFunction" in line for line in console)


def test_class_report_renders_without_console_errors(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(ROOT / "solutions" / "ex5.py", "ann/ex5.py")
        zf.write(SUBMISSIONS / "ex5" / "extra_output_derivative.py", "ben <b>/ex5.py")
        zf.write(SUBMISSIONS / "ex5" / "two_mistakes.py", "cy/ex5.py")
        zf.writestr("dee/readme.txt", "no submission")
    db = tmp_path / "g.sqlite"
    run_cli("batch", str(archive), "-e", "ex5", "--db", str(db))
    page = tmp_path / "report.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    dom, console = _render(page, tmp_path / "profile")
    assert console == []
    assert dom.count("<svg") == 3 and "<rect" in dom  # scores, pass rates, mistakes
    chart = dom[dom.index('aria-label="mistakes, by how many students made them"'):]
    chart = chart[:chart.index("</svg>")]
    assert "<title>Extra f′(z(L)) in the output-layer delta (extra_output_derivative): 2 students</title>" in chart
    assert "extra_output_derivative" in dom and "ben &lt;b&gt;" in dom and "<b>/" not in dom
    assert "dee" in dom and "no submission in this student's folder" in dom


# Put into a copy of the page (the report itself has no script): Chromium measures every chart text and
# writes what sticks out of its drawing, or a drawing wider than the window, into the DOM it dumps.
_MEASURE = """<script>
const out = {texts: 0, outside: []};
for (const svg of document.querySelectorAll("svg")) {
  const view = svg.viewBox.baseVal;
  for (const text of svg.querySelectorAll("text")) {
    const box = text.getBBox();
    out.texts += 1;
    if (box.x < view.x - 0.5 || box.y < view.y - 0.5 || box.x + box.width > view.x + view.width + 0.5
        || box.y + box.height > view.y + view.height + 0.5)
      out.outside.push(`${text.textContent} at ${box.x},${box.y} size ${box.width}x${box.height}`);
  }
  if (svg.getBoundingClientRect().right > document.documentElement.clientWidth)
    out.outside.push(`the ${svg.getAttribute("aria-label")} chart is wider than the window`);
}
for (const th of document.querySelectorAll("th")) {
  const range = document.createRange();
  range.selectNodeContents(th);
  if (range.getClientRects().length > 1) out.outside.push(`the column header ${th.textContent} wraps`);
}
if (document.documentElement.scrollWidth > document.documentElement.clientWidth)
  out.outside.push(`the page is ${document.documentElement.scrollWidth} px wide, wider than the window`);
const pre = document.createElement("pre");
pre.id = "measured";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def _measure(page: Path, profile: Path) -> dict:
    """Every chart text's box as Chromium lays it out in an 800 px wide window (the fonts it really has)."""
    measured = page.with_name("measured.html")
    measured.write_text(page.read_text().replace("</body>", _MEASURE + "</body>"))
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                          "--window-size=800,1000", "--dump-dom", measured.as_uri()],
                         capture_output=True, text=True, timeout=180, start_new_session=True)
    found = re.search(r'<pre id="measured">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_measuring_harness_sees_text_outside_a_drawing(tmp_path):
    page = tmp_path / "clipped.html"
    page.write_text('<!DOCTYPE html><html><body><svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" '
                    'viewBox="0 0 100 50"><text x="50" y="-3">6</text><text x="90" y="30" text-anchor="end">'
                    'a title far too long for this drawing</text><text x="10" y="30">fits</text></svg></body></html>')
    measured = _measure(page, tmp_path / "profile")
    assert measured["texts"] == 3 and len(measured["outside"]) == 2, measured
    assert measured["outside"][0].startswith("6 at") and measured["outside"][1].startswith("a title far")


def test_every_chart_text_is_inside_its_drawing_in_a_browser(tmp_path):
    """The tallest bar's count, part titles of any length, and every catalogue mistake's title with a title
    longer than any, as Chromium draws them."""
    from .test_class_report import long_titles_spec
    from .test_class_report_mistakes import LONG, _catalogue, _with_mistakes

    for name in ("ann", "ben", "cy"):
        _put_file(tmp_path / "class" / name / "ex5.py", ROOT / "solutions" / "ex5.py")
    _put_file(tmp_path / "class" / "dee" / "ex5.py", SUBMISSIONS / "ex5" / "two_mistakes.py")
    db = tmp_path / "g.sqlite"
    for spec in ("ex5", str(long_titles_spec(tmp_path))):  # the course's titles, then very long ones
        db.unlink(missing_ok=True)
        assert run_cli("batch", str(tmp_path / "class"), "-e", spec, "--db", str(db)).exit_code == 0
        page = tmp_path / "report.html"
        assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
        measured = _measure(page, tmp_path / "profile")
        assert measured["texts"] > 15 and measured["outside"] == [], (spec, measured)
    mistakes = [*_catalogue(), {"id": "long", "title": LONG, "explanation": "Made up."}]
    page = tmp_path / "all.html"
    assert run_cli("class-report", "--db", str(_with_mistakes(db, tmp_path / "all.sqlite", mistakes)),
                   "-o", str(page)).exit_code == 0
    measured = _measure(page, tmp_path / "profile")
    assert measured["texts"] > 2 * len(mistakes) and measured["outside"] == [], measured


def _put_file(path: Path, source: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)


def test_long_file_names_and_reasons_wrap_inside_the_window(tmp_path):
    """Staff review S6: the "several files" table's long paths without a space (an LMS download's names inside
    its zip) ran off the right of the page. Every table cell now wraps anywhere it must, but no column header
    (review 17, R9: "Students" was drawn a letter a line)."""
    canvas = tmp_path / "download_of_the_whole_course_section_with_a_very_long_name_indeed"
    for upload in ("leekim_LATE_10004_50005_exercise4_final_version_really_final_this_time.py",
                   "leekim_10004_50004_exercise4_first_attempt_before_the_deadline_extension.py"):
        _put_file(canvas / upload, ROOT / "solutions" / "ex5.py")
    _put_file(canvas / "nobody_knows_whose_file_this_is_with_an_unusually_long_name_here.py",
              ROOT / "solutions" / "ex5.py")
    db = tmp_path / "g.sqlite"
    run_cli("batch", str(canvas), "-e", "ex5", "--db", str(db))
    page = tmp_path / "report.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert "exercise4_first_attempt_before_the_deadline_extension.py" in page.read_text()
    measured = _measure(page, tmp_path / "profile")
    assert measured["outside"] == [], measured
