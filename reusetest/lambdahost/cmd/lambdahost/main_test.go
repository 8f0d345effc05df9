package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

var (
	testFuncBin string
	tripwire    *loopback.Tripwire // every HTTP(S) proxy of this binary: what would leave loopback
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdahost-cmd-test-")
	if err == nil {
		testFuncBin, err = gobuild.Build(dir, "testfunc", gobuild.TestFunc)
	}
	if err == nil {
		tripwire, err = loopback.Guard()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := tripwire.Verdict(m.Run())
	os.RemoveAll(dir)
	os.Exit(code)
}

// serve runs the command with args until the returned stop is called,
// which returns what run printed and its error.
func serve(t *testing.T, args ...string) (url string, stop func() (string, error)) {
	t.Helper()
	sigs := make(chan os.Signal, 1)
	ready := make(chan string, 1)
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- run(append([]string{"-addr", "127.0.0.1:0"}, args...), &out, sigs, ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() (string, error) {
			sigs <- os.Interrupt
			err := <-errc
			return out.String(), err
		}
	case err := <-errc:
		t.Fatalf("lambdahost did not start: %v\n%s", err, out.String())
	}
	return "", nil
}

func call(t *testing.T, url, payload string) string {
	t.Helper()
	resp, err := http.Post(url+"/2015-03-31/functions/probe/invocations", "application/json", strings.NewReader(payload))
	assert.NilError(t, err)
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.Header.Get("X-Amz-Function-Error")
}

// event is what a log event is wherever it went.
type event struct {
	Stream  string
	Time    int64
	Message string
}

// TestOneRunsLogsGoEverywhereAlike runs the command with its three log
// destinations at once, moto's CloudWatch Logs among them, through calls
// that start two environments and reset one: the folder, the export and
// the log group hold the same events, the export's form being what `aws
// logs filter-log-events` prints.
func TestOneRunsLogsGoEverywhereAlike(t *testing.T) {
	endpoint := loopback.StartMoto(t)
	loopback.SetAWSEnv(t, "http://127.0.0.1:1") // dummy credentials, a region, no shared config, no instance metadata
	t.Setenv("HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir()) // no AWS CLI to be found
	dir := t.TempDir()
	logsDir, export := filepath.Join(dir, "logs"), filepath.Join(dir, "export.jsonl")
	url, stop := serve(t, "-bootstrap", testFuncBin, "-logs", logsDir, "-logs-export", export, "-cloudwatch-endpoint", endpoint)
	call(t, url, `{"say": "cold"}`)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { call(t, url, `{"sleep_ms": 300}`) })
	}
	wg.Wait()
	assert.Check(t, is.Equal(call(t, url, `{"exit": true}`), "Unhandled"))
	assert.Check(t, is.Equal(call(t, url, `{}`), ""))
	out, err := stop()
	assert.NilError(t, err, out)
	assert.Check(t, is.Contains(out, "2 environments started, 1 reset (1 Runtime.ExitError), retired none"))

	// The export: JSON Lines of filter-log-events' event objects.
	var exported []event
	f, err := os.Open(export)
	assert.NilError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct {
			LogStreamName string
			Timestamp     int64
			Message       string
			IngestionTime int64
			EventID       string
		}
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		assert.NilError(t, dec.Decode(&ev))
		assert.Check(t, ev.EventID != "" && ev.IngestionTime >= ev.Timestamp)
		exported = append(exported, event{ev.LogStreamName, ev.Timestamp, ev.Message})
	}
	streams := map[string]bool{}
	for _, e := range exported {
		streams[e.Stream] = true
	}
	assert.Check(t, is.Len(streams, 2), "two environments, one reset")
	inits := 0
	for _, e := range exported {
		if strings.HasPrefix(e.Message, "INIT_START") {
			inits++
		}
	}
	assert.Check(t, is.Equal(inits, 3), "two environments and a reset")

	// The folder: a file per stream, its events in order.
	var folder []event
	for stream := range streams {
		b, err := os.ReadFile(filepath.Join(logsDir, lambdahost.StreamFile(stream)))
		assert.NilError(t, err)
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if line == "" {
				continue
			}
			ts, msg, ok := strings.Cut(line, "\t")
			assert.Assert(t, ok, "%q", line)
			tm, err := time.Parse("2006-01-02T15:04:05.000Z", ts)
			assert.NilError(t, err)
			folder = append(folder, event{stream, tm.UnixMilli(), msg})
		}
	}

	// The log group, read back with the SDK.
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	client := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	var cloud []event
	p := cloudwatchlogs.NewFilterLogEventsPaginator(client, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/probe")})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		assert.NilError(t, err)
		for _, e := range page.Events {
			cloud = append(cloud, event{*e.LogStreamName, *e.Timestamp, *e.Message})
		}
	}

	byStreamThenTime := func(a, b event) int {
		return cmp.Or(strings.Compare(a.Stream, b.Stream), cmp.Compare(a.Time, b.Time))
	}
	for _, evs := range [][]event{exported, folder, cloud} {
		slices.SortStableFunc(evs, byStreamThenTime)
	}
	assert.Check(t, len(exported) > 10)
	assert.Check(t, is.DeepEqual(folder, exported), "the folder holds the export's events")
	assert.Check(t, is.DeepEqual(cloud, exported), "the log group holds the export's events")
}

// TestBadFlagsFailBeforeAnyCall: each mistake is named, nothing is left
// half-written, and an existing export is never touched.
func TestBadFlagsFailBeforeAnyCall(t *testing.T) {
	loopback.SetAWSEnv(t, "http://127.0.0.1:1")
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.jsonl")
	assert.NilError(t, os.WriteFile(existing, []byte("kept\n"), 0o644))
	fresh := filepath.Join(dir, "new.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-bootstrap", testFuncBin, "-log-format", "xml"}, `-log-format: unknown log format "xml" (known: text, json)`},
		{[]string{"-bootstrap", testFuncBin, "-log-group", "/aws/lambda/x"}, "-log-group names the group of -cloudwatch-endpoint, which is not set"},
		{[]string{"-bootstrap", testFuncBin, "-logs-export", existing}, "exists already"},
		{[]string{"-bootstrap", testFuncBin, "-memory", "64"}, "memory size 64 MB: Lambda takes 128 to 10240 MB"},
		{[]string{"-bootstrap", filepath.Join(dir, "missing"), "-logs-export", fresh}, "no such file"},
		{[]string{"-bootstrap", testFuncBin, "-cloudwatch-endpoint", "http://127.0.0.1:1/x?token=secret"}, "give only scheme://host[:port]"},
	} {
		err := run(append([]string{"-addr", "127.0.0.1:0"}, c.args...), io.Discard, nil, nil)
		assert.Check(t, is.ErrorContains(err, c.want), "%v", c.args)
	}
	b, _ := os.ReadFile(existing)
	assert.Check(t, is.Equal(string(b), "kept\n"), "an existing export is never touched")
	_, err := os.Stat(fresh)
	assert.Check(t, os.IsNotExist(err), "no export is left by a host that did not start")
}
