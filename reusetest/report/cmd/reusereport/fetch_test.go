package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cloudwatch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs/fetch"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// tripwire is every HTTP(S) proxy of this test binary: a request that
// would leave loopback reaches it, and TestMain fails the run on any.
var tripwire *loopback.Tripwire

func TestMain(m *testing.M) { os.Exit(loopback.GuardedRun(m, &tripwire)) }

// TestCloudWatchGroupFetchesThenReports puts the example export's events,
// dated to the last hours, into moto's CloudWatch Logs, and runs
// -cloudwatch-group on the group: the report folder's summary is the one
// -cloudwatch writes of the same events as a file, and the command run
// again fetches nothing twice.
func TestCloudWatchGroupFetchesThenReports(t *testing.T) {
	moto := loopback.SharedMoto(t)
	loopback.FreshAccount(t, moto)

	raw, err := os.ReadFile(testenv.Testdata(t, "logs", "example-export.json"))
	assert.NilError(t, err)
	var export struct{ Events []lambdalogs.Event }
	assert.NilError(t, json.Unmarshal(raw, &export))
	shift := time.Now().Add(-3*time.Hour-10*time.Minute).UnixMilli() - export.Events[0].Timestamp
	for i := range export.Events {
		export.Events[i].Timestamp += shift
	}
	const group = "/aws/lambda/shop"
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	sink, err := cloudwatch.New(t.Context(), cfg, moto, group)
	assert.NilError(t, err)
	for _, e := range export.Events {
		sink.Log(lambdahost.LogEvent{Stream: e.LogStreamName, Time: time.UnixMilli(e.Timestamp), Message: e.Message})
	}
	assert.NilError(t, sink.Close(t.Context()))

	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.csv")
	var out, progress bytes.Buffer
	fl := fetchFlags{group: group, since: "4h", maxEvents: fetch.DefaultMaxEvents}
	assert.NilError(t, fetchAndReport(t.Context(), &out, &progress, fl, filepath.Join(dir, "fetched"), lambdalogs.Options{}, trace))
	assert.Check(t, is.Contains(progress.String(), "fetching log group /aws/lambda/shop at "+moto))
	assert.Check(t, is.Contains(progress.String(), fmt.Sprintf("fetch /aws/lambda/shop: %d events, 4 streams, 1 pages", len(export.Events))))
	assert.Check(t, is.Contains(out.String(), fmt.Sprintf("fetched %d events of log group /aws/lambda/shop (1 pages, 0 throttled)", len(export.Events))))
	fetched, err := os.ReadFile(filepath.Join(dir, "fetched", "summary.json"))
	assert.NilError(t, err)

	own := filepath.Join(dir, "own", fetchedFile)
	assert.NilError(t, os.MkdirAll(filepath.Dir(own), 0o755))
	var b bytes.Buffer
	for _, e := range export.Events {
		line, err := json.Marshal(e)
		assert.NilError(t, err)
		b.Write(append(line, '\n'))
	}
	assert.NilError(t, os.WriteFile(own, b.Bytes(), 0o644))
	assert.NilError(t, reportLogs(&out, own, filepath.Join(dir, "own"), lambdalogs.Options{}, trace))
	want, err := os.ReadFile(filepath.Join(dir, "own", "summary.json"))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(fetched), string(want)), "the fetch's summary is the file's")
	assert.Check(t, is.Contains(string(fetched), `"resets": 18`), "the example's resets")

	out.Reset()
	assert.NilError(t, fetchAndReport(t.Context(), &out, &progress, fl, filepath.Join(dir, "fetched"), lambdalogs.Options{}, trace))
	assert.Check(t, is.Contains(out.String(), fmt.Sprintf("fetched 0 events of log group /aws/lambda/shop (1 pages, 0 throttled) into %s, which holds %d",
		filepath.Join(dir, "fetched", fetchedFile), len(export.Events))))
	again, err := os.ReadFile(filepath.Join(dir, "fetched", "summary.json"))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(again), string(want)), "run again: the same summary, no event twice")

	fl.maxEvents = 1000
	err = fetchAndReport(t.Context(), &out, &progress, fl, filepath.Join(dir, "capped"), lambdalogs.Options{}, trace)
	assert.Check(t, is.ErrorContains(err, "fetch stopped at -max-events 1000"))
	assert.Check(t, is.ErrorContains(err, "holds 1000 events; run the same command again to fetch the next 1000, or raise -max-events"))
}

func TestCloudWatchGroupFlagsAreChecked(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	got, err := parseWhen("-since", "48h", now)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(got, now.Add(-48*time.Hour)))
	got, err = parseWhen("-until", "2026-04-30T06:00:00Z", now)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(got, time.Date(2026, 4, 30, 6, 0, 0, 0, time.UTC)))
	for _, bad := range []string{"yesterday", "-2h", "2026-04-30"} {
		_, err := parseWhen("-since", bad, now)
		assert.Check(t, err != nil && strings.Contains(err.Error(), "-since"), "%q: %v", bad, err)
	}
	var out bytes.Buffer
	err = fetchAndReport(t.Context(), &out, &out, fetchFlags{group: "/aws/lambda/shop", maxEvents: 1}, t.TempDir(), lambdalogs.Options{}, "")
	assert.Check(t, is.ErrorContains(err, "-cloudwatch-group needs -since"))
	err = fetchAndReport(t.Context(), &out, &out, fetchFlags{group: "/aws/lambda/shop", since: "1h", maxEvents: 0}, t.TempDir(), lambdalogs.Options{}, "")
	assert.Check(t, is.ErrorContains(err, "-max-events 0: want at least 1"))
}
