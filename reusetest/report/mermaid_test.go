package report

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// mermaidJS is mermaid's browser bundle, as .ci/run installs it (npm
// package mermaid, the newest), or where LAMBDA_REUSE_MERMAID_JS says.
func mermaidJS() (string, error) {
	candidates := []string{os.Getenv("LAMBDA_REUSE_MERMAID_JS")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "lambda-reuse", "node_modules", "mermaid", "dist", "mermaid.min.js"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("mermaid's browser bundle is not installed (npm install --prefix ~/.cache/lambda-reuse mermaid; .ci/run installs it)")
}

// renderPage renders page (HTML) in headless Chromium and returns the DOM
// once its scripts are done.
func renderPage(t *testing.T, chromium, page string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.html")
	assert.NilError(t, os.WriteFile(path, []byte(page), 0o644))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=20000", "--dump-dom", "file://"+path)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	assert.NilError(t, err, "chromium")
	return string(out)
}

// TestTrendSummaryRendersInABrowser renders the job summary's Mermaid
// blocks as GitHub's Markdown would: mermaid (the npm package) in headless
// Chromium (Debian's chromium). Every block parses and renders, with a line
// per cell and a point per night, on an x axis of the nights' dates; a cell
// that missed a night is drawn on its own, that night left off its axis
// (never drawn as 0).
func TestTrendSummaryRendersInABrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it)")
	}
	js, err := mermaidJS()
	if err != nil {
		t.Skip(err)
	}
	base, _ := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 1)
	dates := []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"}
	var nights []Night
	for c, cell := range []string{"eu-west-1-arm64-128mb", "us-east-1-amd64-128mb"} {
		for i, date := range dates {
			s := base
			s.Instances.Count += 3*i + c
			nights = append(nights, Night{Config: cell, Date: date, Summary: s})
		}
	}
	const gappy, missed = "us-west-2-arm64-128mb", "2026-11-03"
	for i, date := range dates {
		if date != missed {
			s := base
			s.Instances.Count += 5 * i
			nights = append(nights, Night{Config: gappy, Date: date, Summary: s})
		}
	}
	var md strings.Builder
	assert.NilError(t, WriteTrendSummary(&md, nights))
	blocks := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindAllStringSubmatch(md.String(), -1)
	assert.Assert(t, len(blocks) > 0, "no mermaid block in:\n%s", md.String())

	var pres strings.Builder
	for i, b := range blocks {
		fmt.Fprintf(&pres, "<pre class=\"mermaid\" id=\"b%d\">%s</pre>\n", i, html.EscapeString(b[1]))
	}
	page := `<!doctype html><html><head><meta charset="utf-8"><script src="file://` + js + `"></script></head><body>
` + pres.String() + `<pre id="result">pending</pre>
<script>
mermaid.initialize({startOnLoad: false});
(async () => {
  const out = [];
  for (const el of document.querySelectorAll("pre.mermaid")) {
    try { await mermaid.parse(el.textContent); out.push("ok"); } catch (e) { out.push("parse error: " + e.message); }
  }
  try { await mermaid.run(); } catch (e) { out.push("render error: " + e.message); }
  document.getElementById("result").textContent = "done " + JSON.stringify(out);
})();
</script></body></html>`
	dom := renderPage(t, chromium, page)
	result := regexp.MustCompile(`<pre id="result">([^<]*)</pre>`).FindStringSubmatch(dom)
	assert.Assert(t, result != nil, "no result in the rendered page")
	want := "done [" + strings.TrimSuffix(strings.Repeat(`"ok",`, len(blocks)), ",") + "]"
	assert.Check(t, is.Equal(html.UnescapeString(result[1]), want))

	svgs := regexp.MustCompile(`(?s)<pre class="mermaid" id="b(\d+)"[^>]*>(.*?)</pre>`).FindAllStringSubmatch(dom, -1)
	assert.Assert(t, is.Len(svgs, len(blocks)))
	var gaps int
	for _, m := range svgs {
		svg := m[2]
		var b int
		fmt.Sscan(m[1], &b)
		src := blocks[b][1]
		assert.Check(t, strings.Contains(svg, "<svg"), "block %s did not render", m[1])
		assert.Check(t, !strings.Contains(svg, "Syntax error"), "block %s: %s", m[1], svg)
		want, cells := dates, 2
		if strings.Contains(src, gappy) {
			gaps++
			want, cells = slices.DeleteFunc(slices.Clone(dates), func(d string) bool { return d == missed }), 1
			assert.Check(t, !strings.Contains(svg, ">"+missed+"<"), "block %s: the missed night is on the axis", m[1])
			assert.Check(t, strings.Contains(src, "1 of 4 nights without a figure left out"), "block %s: %s", m[1], src)
		}
		for _, d := range want {
			assert.Check(t, strings.Contains(svg, ">"+d+"<"), "block %s: no x label %s", m[1], d)
		}
		lines := regexp.MustCompile(`<g class="line-plot-\d+"><path d="([^"]*)"`).FindAllStringSubmatch(svg, -1)
		assert.Check(t, is.Len(lines, cells), "block %s: a line per cell", m[1])
		for _, l := range lines {
			assert.Check(t, is.Equal(strings.Count(l[1], "L")+1, len(want)), "block %s: a point per night: %s", m[1], l[1])
		}
	}
	assert.Check(t, gaps > 0, "no chart for the cell that missed a night")
	assert.Check(t, is.Equal(gaps*2, len(blocks)), "each figure: one chart of the whole cells, one of the gappy cell")
}
