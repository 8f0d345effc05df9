package scripts

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cloudwatch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// git runs git in dir and returns its output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=test", "-c", "user.email=test@example.invalid"}, args...)...)
	out, err := cmd.CombinedOutput()
	assert.NilError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// TestNightlyFlowRunsLocally runs the nightly job's steps, the scripts the
// workflow calls, for two nights of one cell: deploy (to moto's emulated
// account, with the real AWS CLI), the night's run (against the local host
// of real probe processes: an emulated Function URL serves nothing; the
// host writes Lambda's logs into the function's log group in moto), the
// night measured a second time from those logs, its drift judgement, the
// job summary, keeping it on the data branch of a local "GitHub"
// repository with the trend rebuilt, and teardown, after which the account
// holds nothing. Nothing reaches beyond 127.0.0.1; the main branch is never
// touched.
func TestNightlyFlowRunsLocally(t *testing.T) {
	t.Parallel() // its own emulated account, folders and environment: nothing shared
	if testing.Short() {
		t.Skip("runs two short live nights (about a minute)")
	}
	f := newEmulated(t) // first: where it skips, nothing is built for nothing
	dir := t.TempDir()
	probeBin, err := gobuild.Build(dir, "bootstrap", gobuild.Probe)
	assert.NilError(t, err)
	const name = "lambda-reuse-1-local"
	// The host's logs go to the function's log group in moto, as Lambda's
	// go to CloudWatch Logs: this process's own AWS settings are dummies,
	// none read from its environment.
	cfg, err := loopback.Config(t.Context(), f.endpoint)
	assert.NilError(t, err)
	sink, err := cloudwatch.New(t.Context(), cfg, f.endpoint, "/aws/lambda/"+name)
	assert.NilError(t, err)
	// Real time: the probe's processes sleep real handler times, so a model
	// at another time scale would not predict them.
	host, err := lambdahost.Start(lambdahost.Options{Bootstrap: probeBin, FunctionName: name, Logs: sink})
	assert.NilError(t, err)
	defer func() {
		host.Close()
		assert.Check(t, sink.Close(context.Background()))
	}()

	// The repository the workflow runs in, with its "origin".
	origin := filepath.Join(dir, "origin.git")
	assert.NilError(t, exec.Command("git", "init", "-q", "--bare", "-b", "main", origin).Run())
	repo := filepath.Join(dir, "repo")
	assert.NilError(t, exec.Command("git", "clone", "-q", origin, repo).Run())
	assert.NilError(t, os.WriteFile(filepath.Join(repo, "README.md"), []byte("main\n"), 0o644))
	git(t, repo, "add", "README.md")
	git(t, repo, "commit", "-q", "-m", "main")
	git(t, repo, "push", "-q", "origin", "HEAD:main")
	mainBefore := git(t, origin, "rev-parse", "main")

	envFile := filepath.Join(dir, "github-env")
	out, _, err := f.run(t, region, "deploy.sh", "--name", name, "--github-env", envFile)
	assert.NilError(t, err, out)
	assert.Check(t, is.DeepEqual(f.account(t, name), []string{"function", "loggroup", "policy", "role", "url"}))
	emulatedURL := aws.ToString(f.functionURL(t, name).FunctionUrl)
	// What the workflow's later steps see: deploy's exports (the Function
	// URL the local host's, as the emulated one serves nothing), plus
	// loopback credentials for signing (the host ignores signatures) and
	// no instance-metadata lookup.
	env := []string{"AWS_ACCESS_KEY_ID=AKIDLOCAL", "AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=" + f.endpoint} // the night's logs are fetched from moto
	ef, err := os.Open(envFile)
	assert.NilError(t, err)
	sc := bufio.NewScanner(ef)
	exported := ""
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "LAMBDA_REUSE_URL="); ok {
			exported, line = v, "LAMBDA_REUSE_URL="+host.URL()+"/"
		}
		env = append(env, line)
	}
	ef.Close()
	assert.Check(t, is.Equal(exported, emulatedURL), "deploy exports the function's URL")

	cell := "local-arm64-128mb"
	cells := filepath.Join(dir, "cells")
	history := filepath.Join(dir, "history-so-far")
	for night, date := range []string{"2026-11-01", "2026-11-02"} {
		// What the cell job does first: the history so far, from the data branch.
		os.RemoveAll(history)
		assert.NilError(t, os.MkdirAll(history, 0o755))
		if night > 0 {
			git(t, repo, "fetch", "-q", "origin", "lambda-reuse-data")
			tar := exec.Command("bash", "-c", `git -C "$1" archive FETCH_HEAD history | tar -x -C "$2" --strip-components=1`, "bash", repo, history)
			b, err := tar.CombinedOutput()
			assert.NilError(t, err, string(b))
		}
		// Each night's cell job runs on a fresh runner: its folder starts
		// empty (night.sh would resume a record log it found there).
		assert.NilError(t, os.RemoveAll(filepath.Join(cells, cell)))
		out, _, err := f.run(t, env, "night.sh", "--cell", cell, "--calls", "300", "--out", filepath.Join(cells, cell),
			"--date", date, "--history", history, "--timeout", "5m", "--log-group", "/aws/lambda/"+name, "--logs-settle", "3",
			"--", "-reuse.rate=60", "-reuse.handler=100ms")
		drift, rerr := os.ReadFile(filepath.Join(cells, cell, "drift.md"))
		assert.NilError(t, rerr, out)
		status := "0, no drift"
		if err != nil {
			status = fmt.Sprintf("%v: the night's drift verdict, expected whenever drift.md says DRIFT (the test checks they agree)", err)
		}
		t.Logf("night %s (status %s):\n%s", date, status, drift)
		// The night's status is the judgement's: 1 on drift, 0 otherwise.
		drifted := strings.Contains(string(drift), "DRIFT:")
		assert.Check(t, drifted == (err != nil), "drifted %v, status %v:\n%s", drifted, err, out)
		if night == 0 {
			assert.Check(t, is.Contains(string(drift), "Judged against the simulator's prediction"), "night one: no baseline, no history")
		} else {
			assert.Check(t, is.Contains(string(drift), "Judged against the recent history: the median of 1 nights of "+cell))
		}
		for _, name := range []string{"nightly.summary.json", "nightly.profile.json", "nightly.summary.report/report.md",
			"nightly.logs/summary.json", "nightly.logs/report.md", "nightly.logs/logs.jsonl"} {
			_, err := os.Stat(filepath.Join(cells, cell, name))
			assert.Check(t, err, name)
		}
		// Measured twice: the logs' summary beside the probe's, the same
		// environments with the same successful calls each.
		agree, err := os.ReadFile(filepath.Join(cells, cell, "agree.md"))
		assert.NilError(t, err, out)
		assert.Check(t, is.Contains(string(agree), "They agree: the same environments, each with the same successful calls."), out)
		probeSum, err := summary.ReadSummary(filepath.Join(cells, cell, "nightly.summary.json"))
		assert.NilError(t, err)
		logsSum, err := summary.ReadSummary(filepath.Join(cells, cell, "nightly.logs", "summary.json"))
		assert.NilError(t, err)
		assert.Check(t, is.Equal(logsSum.Instances.Count, probeSum.Instances.Count), "environments: the logs' and the probe's")
		assert.Check(t, is.Equal(logsSum.Requests.OK, probeSum.Requests.OK), "successful calls")
		assert.Check(t, logsSum.Logs != nil && logsSum.Logs.Calls == 300, "the night's 300 calls in its logs")
		jobSummary, _, err := f.run(t, nil, "night-summary.sh", filepath.Join(cells, cell))
		assert.NilError(t, err, jobSummary)
		for _, want := range []string{"## Measured twice: the probe's records and the function's own logs", "| environments (log streams) |",
			"### The function's own logs of the night", "## Drift"} {
			assert.Check(t, is.Contains(jobSummary, want))
		}
		assert.Check(t, !strings.Contains(jobSummary, "disagree**"), "no flag when they agree")
		out, _, err = f.run(t, nil, "keep-history.sh", "--repo", repo, "--date", date, cells)
		assert.NilError(t, err, out)
	}

	files := git(t, origin, "ls-tree", "-r", "--name-only", "lambda-reuse-data")
	for _, want := range []string{"history/" + cell + "/2026-11-01.summary.json", "history/" + cell + "/2026-11-02.profile.json", "trend/report.md", "trend/trend-instances.svg"} {
		assert.Check(t, is.Contains(files, want))
	}
	trend := git(t, origin, "show", "lambda-reuse-data:trend/report.md")
	assert.Check(t, is.Contains(trend, "| 2026-11-02 |"))
	summary, err := os.ReadFile(filepath.Join(cells, "trend-summary.md"))
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(summary), "```mermaid"))
	assert.Check(t, is.Equal(git(t, origin, "rev-parse", "main"), mainBefore), "the main branch is never rewritten")

	out, _, err = f.run(t, region, "teardown.sh", "--name", name)
	assert.NilError(t, err, out)
	assert.Check(t, is.Len(f.account(t, name), 0), "everything deploy created is gone")
}

// TestMatrixCells: one cell per region x architecture x memory size, as
// JSON the workflow's fromJSON reads; bad values are named.
func TestMatrixCells(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	out, _, err := f.run(t, nil, "matrix.sh", "--regions", "eu-west-1,us-east-1", "--archs", "arm64,amd64", "--memory", "128")
	assert.NilError(t, err, out)
	var m struct {
		Include []struct{ Cell, Region, Arch, Memory string }
	}
	assert.NilError(t, json.Unmarshal([]byte(out), &m), out)
	assert.Check(t, is.Len(m.Include, 4))
	assert.Check(t, is.Equal(m.Include[3].Cell, "us-east-1-amd64-128mb"))
	assert.Check(t, is.Equal(m.Include[3].Memory, "128"))
	out, _, err = f.run(t, region, "matrix.sh", "--archs", "arm64")
	assert.NilError(t, err, out)
	assert.Check(t, is.Contains(out, `"cell":"eu-west-1-arm64-128mb"`), "the region defaults to AWS_REGION")
	for _, bad := range [][]string{{"--regions", "mars-1"}, {"--regions", "eu-west-1", "--archs", "sparc"}, {"--regions", "eu-west-1", "--memory", "64"}} {
		out, _, err := f.run(t, nil, "matrix.sh", bad...)
		assert.Check(t, err != nil && strings.Contains(out, "matrix.sh:"), "%v: %s", bad, out)
	}
}

// TestNightSummaryFlagsADisagreement: the job summary puts a flag at the
// top of the section measured twice when agree.md says they disagree, and
// leaves the section out of a night measured once.
func TestNightSummaryFlagsADisagreement(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	out := t.TempDir()
	assert.NilError(t, os.MkdirAll(filepath.Join(out, "nightly.summary.report"), 0o755))
	assert.NilError(t, os.WriteFile(filepath.Join(out, "nightly.summary.report", "report.md"), []byte("# the probe's report\n"), 0o644))
	got, _, err := f.run(t, nil, "night-summary.sh", out)
	assert.NilError(t, err, got)
	assert.Check(t, is.Contains(got, "# the probe's report"))
	assert.Check(t, !strings.Contains(got, "Measured twice"), "measured once: no such section")

	assert.NilError(t, os.WriteFile(filepath.Join(out, "agree.md"), []byte("**DISAGREE**: the two measurements of one run see different environments\n"), 0o644))
	assert.NilError(t, os.WriteFile(filepath.Join(out, "nightly.logs.txt"), []byte("environments  3\n"), 0o644))
	got, _, err = f.run(t, nil, "night-summary.sh", out)
	assert.NilError(t, err, got)
	flag := strings.Index(got, "**⚠ The two measurements of this night disagree**")
	assert.Check(t, flag > strings.Index(got, "## Measured twice"), got)
	assert.Check(t, flag < strings.Index(got, "**DISAGREE**"), "the flag first, then the agreement")
	assert.Check(t, is.Contains(got, "```text\nenvironments  3\n```"))
}
