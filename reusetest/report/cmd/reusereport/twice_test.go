package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cloudwatch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs/fetch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/live"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// twiceTrace is the run's schedule (seconds from its start, the probe's
// sleep): three calls at once (three environments), calls one at a time,
// one that sleeps past the function's 1 s timeout (the host kills the
// process and resets its environment), then calls one at a time, which
// the most recently used environment takes: the reset one.
const twiceTrace = `time,duration_ms
0,300
0,300
0,300
0.8,20
1.1,20
1.4,20
1.7,2500
4.4,20
4.7,20
5.0,20
5.3,20
5.6,20
`

// TestTwoMeasurementsOfOneRunAgree runs the real probe under the local
// host, which writes Lambda's logs to an export file and to moto's
// CloudWatch Logs, and measures the run twice: the probe's own records
// (the live runner's log) and the logs, read as a file (-cloudwatch) and
// fetched from moto (-cloudwatch-group). Both see the same environments
// with the same successful calls each, lifetimes within 1 s, and the reset
// as one environment: two runtime generations in its logs, two instance
// ids in its stream in the probe's records.
func TestTwoMeasurementsOfOneRunAgree(t *testing.T) {
	dir := t.TempDir()
	probeBin, err := gobuild.Build(dir, "bootstrap", gobuild.Probe)
	assert.NilError(t, err)
	moto := loopback.SharedMoto(t)
	loopback.FreshAccount(t, moto)

	const group = "/aws/lambda/probe"
	exportPath := filepath.Join(dir, "file", fetchedFile)
	assert.NilError(t, os.MkdirAll(filepath.Dir(exportPath), 0o755))
	export, err := lambdahost.CreateExport(exportPath)
	assert.NilError(t, err)
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	cw, err := cloudwatch.New(t.Context(), cfg, moto, group)
	assert.NilError(t, err)
	host, err := lambdahost.Start(lambdahost.Options{Bootstrap: probeBin, Logs: lambdahost.Sinks{export, cw}, Timeout: time.Second,
		Model: lambdasim.Options{Placement: string(lambdasim.MostRecentlyUsed)}})
	assert.NilError(t, err)
	defer host.Close()

	tracePath := filepath.Join(dir, "run.csv")
	assert.NilError(t, os.WriteFile(tracePath, []byte(twiceTrace), 0o644))
	sched, err := schedule.OpenTrace(tracePath, schedule.TraceOptions{})
	assert.NilError(t, err)
	env := map[string]string{live.EnvURL: host.URL() + "/"}
	caller, _, err := live.NewCaller(t.Context(), func(k string) string { return env[k] }, sched.Plan().HandlerMS)
	assert.NilError(t, err)
	assert.Assert(t, live.PerCallHandler(caller, sched), "each call sleeps its own time")
	runLog := filepath.Join(dir, "run.jsonl")
	var runOut bytes.Buffer
	probeSum, _, err := (&live.Live{Schedule: sched, Caller: caller, LogPath: runLog, Out: &runOut, NoFailFast: true}).Run(t.Context(), nil)
	assert.NilError(t, err, runOut.String())
	assert.NilError(t, host.Close())
	assert.NilError(t, export.Close())
	assert.NilError(t, cw.Close(t.Context()))
	truth := host.Counts()
	assert.Assert(t, is.DeepEqual(truth.Resets, map[string]int64{"Sandbox.Timedout": 1}), "the timed-out call reset its environment")

	// The probe saw two instance ids in the reset environment's stream.
	ids := map[string]map[string]bool{}
	assert.NilError(t, recordlog.Replay(runLog, func(*recordlog.Header, schedule.Schedule) func(*record.Record) {
		return func(r *record.Record) {
			if r.Status == record.StatusOK {
				if ids[r.LogStream] == nil {
					ids[r.LogStream] = map[string]bool{}
				}
				ids[r.LogStream][r.InstanceID] = true
			}
		}
	}))
	var reset string
	for stream, set := range ids {
		if len(set) == 2 {
			assert.Check(t, reset == "", "one stream with two instance ids")
			reset = stream
		} else {
			assert.Check(t, is.Len(set, 1), stream)
		}
	}
	assert.Assert(t, reset != "", "the probe saw no second instance id in a stream: the reset environment served no call after it (%v)", ids)
	assert.Check(t, len(ids) >= 3, "several environments: %d", len(ids))

	// -cloudwatch: the logs read as a file.
	probe, logs, err := tallies(runLog, exportPath, lambdalogs.Options{})
	assert.NilError(t, err)
	ag := report.Compare(probe, logs, [2]string{"the probe's records", "the function's logs"}, true)
	var md strings.Builder
	assert.NilError(t, report.WriteAgreement(&md, ag))
	t.Logf("%s", md.String())
	assert.Check(t, ag.Agree(), "the same environments, each with the same successful calls")
	assert.Check(t, ag.LifetimesAgree(), "lifetimes within 1 s: %v apart at most", ag.LifetimeDiff)
	assert.Check(t, is.Equal(ag.Environments[0], int(truth.Started)))
	assert.Check(t, is.Equal(ag.Failed, [2]int64{1, 1}))
	assert.Check(t, is.Equal(ag.Resets, [2]int64{1, 1}))
	assert.Check(t, is.Equal(ag.Generations[1], ag.Generations[0]))

	calls, err := lambdalogs.Read(exportPath, lambdalogs.Options{Names: true})
	assert.NilError(t, err)
	gens := map[string]bool{}
	perStream := map[string]int64{}
	assert.NilError(t, calls.Replay(func(r *record.Record) {
		if r.LogStream == reset {
			gens[r.InstanceID] = true
		}
		if r.Status == record.StatusOK {
			perStream[r.LogStream]++
		}
	}))
	calls.Close()
	assert.Check(t, is.Len(gens, 2), "the reset environment: two runtime generations in its logs")
	assert.Check(t, is.DeepEqual(perStream, truth.Calls), "the logs' successful calls per environment are the host's")

	trace := filepath.Join(dir, "trace.csv")
	var out bytes.Buffer
	assert.NilError(t, reportLogs(&out, exportPath, filepath.Join(dir, "file"), lambdalogs.Options{}, trace))
	logsSum, err := summary.ReadSummary(filepath.Join(dir, "file", "summary.json"))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(logsSum.Instances.Count, probeSum.Instances.Count), "environments: logs and probe")
	assert.Check(t, is.Equal(logsSum.Instances.Resets, 1))
	assert.Check(t, is.Equal(probeSum.Instances.Resets, 1), "the probe's summary: one environment reset, not a new one")
	assert.Assert(t, logsSum.Generations != nil && probeSum.Generations != nil)
	assert.Check(t, is.Equal(logsSum.Generations.Count, probeSum.Generations.Count))
	assert.Check(t, is.Contains(out.String(), "a reset is a new generation in the same environment"))
	var probeTable bytes.Buffer
	assert.NilError(t, writeSummaryTable(&probeTable, probeSum))
	assert.Check(t, is.Contains(probeTable.String(), "(a new instance id in the probe's records, a new init in the stream's own logs), not a new environment"))

	// -cloudwatch-group: the same logs fetched from moto.
	fl := fetchFlags{group: group, since: "1h", maxEvents: fetch.DefaultMaxEvents}
	var progress bytes.Buffer
	until := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	fl.until = until // the run's last lines are seconds old: a window to after them
	assert.NilError(t, fetchAndReport(t.Context(), &out, &progress, fl, filepath.Join(dir, "fetched"), lambdalogs.Options{}, trace))
	fetched, err := os.ReadFile(filepath.Join(dir, "fetched", "summary.json"))
	assert.NilError(t, err)
	fromFile, err := os.ReadFile(filepath.Join(dir, "file", "summary.json"))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(fetched), string(fromFile)), "the fetched logs' summary is the file's")
	out.Reset()
	assert.Check(t, is.Equal(agreeRun(&out, runLog, filepath.Join(dir, "fetched", fetchedFile), lambdalogs.Options{}, false), 0), out.String())
	assert.Check(t, is.Contains(out.String(), "They agree"))
}
