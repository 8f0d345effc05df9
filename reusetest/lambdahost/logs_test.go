package lambdahost

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// startLogged starts a host whose logs go to an export file; done closes
// the host and the file and returns the events by stream, each stream's
// in the order written.
func startLogged(t *testing.T, opts Options) (h *Host, done func() map[string][]lambdalogs.Event) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	sink, err := CreateExport(path)
	assert.NilError(t, err)
	opts.Logs = sink
	h = startHost(t, opts)
	return h, func() map[string][]lambdalogs.Event {
		t.Helper()
		assert.NilError(t, h.Close())
		assert.NilError(t, sink.Close())
		return readExport(t, path)
	}
}

// readExport reads an export file, checking every line is one event and
// every event id is new.
func readExport(t *testing.T, path string) map[string][]lambdalogs.Event {
	t.Helper()
	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	out := map[string][]lambdalogs.Event{}
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev lambdalogs.Event
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		assert.NilError(t, dec.Decode(&ev), "line %q", sc.Text())
		assert.Check(t, regexp.MustCompile(`^[0-9]{56}$`).MatchString(ev.EventID), "event id %q", ev.EventID)
		assert.Check(t, !ids[ev.EventID], "event id %s twice", ev.EventID)
		ids[ev.EventID] = true
		assert.Check(t, ev.IngestionTime >= ev.Timestamp)
		if n := len(out[ev.LogStreamName]); n > 0 {
			assert.Check(t, ev.Timestamp >= out[ev.LogStreamName][n-1].Timestamp, "a stream's events in time order")
		}
		out[ev.LogStreamName] = append(out[ev.LogStreamName], ev)
	}
	assert.NilError(t, sc.Err())
	return out
}

// The lines of Lambda's text format, as docs/sources.md [S15] and [S16] give them.
var (
	reInitStart = regexp.MustCompile(`^INIT_START Runtime Version: lambdahost:local\tRuntime Version ARN: arn:aws:lambda:local::runtime:lambdahost\n$`)
	reStart     = regexp.MustCompile(`^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST\n$`)
	reEnd       = regexp.MustCompile(`^END RequestId: ([0-9a-f-]{36})\n$`)
	reReport    = regexp.MustCompile(`^REPORT RequestId: ([0-9a-f-]{36})\tDuration: ([0-9]+\.[0-9]{2}) ms\tBilled Duration: ([0-9]+) ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB\t` +
		`(?:Init Duration: ([0-9]+\.[0-9]{2}) ms\t)?(?:Status: (error|timeout)(?:\tError Type: ([A-Za-z.]+))?)?\n$`)
	reStreamName = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$`)
)

// step is one thing a stream says, the same in either format: "init
// PHASE", "start", "line TEXT", "report init|- STATUS ERRORTYPE".
type step string

// textSteps reads a text-format stream, checking each platform line's form
// and that START, END and REPORT of a call agree.
func textSteps(t *testing.T, events []lambdalogs.Event) []step {
	t.Helper()
	var out []step
	var open string // the call started and not yet reported
	inits := 0
	for _, ev := range events {
		m := ev.Message
		switch {
		case strings.HasPrefix(m, "INIT_START"):
			assert.Check(t, reInitStart.MatchString(m), "%q", m)
			phase := "init"
			if inits > 0 {
				phase = "invoke" // text does not say; every init after the first is a reset's
			}
			inits++
			out = append(out, step("init "+phase))
		case strings.HasPrefix(m, "START"):
			sm := reStart.FindStringSubmatch(m)
			assert.Assert(t, sm != nil, "%q", m)
			open = sm[1]
			out = append(out, "start")
		case strings.HasPrefix(m, "END"):
			em := reEnd.FindStringSubmatch(m)
			assert.Assert(t, em != nil, "%q", m)
			assert.Check(t, is.Equal(em[1], open))
		case strings.HasPrefix(m, "REPORT"):
			rm := reReport.FindStringSubmatch(m)
			assert.Assert(t, rm != nil, "%q", m)
			assert.Check(t, is.Equal(rm[1], open))
			assert.Check(t, is.Equal(rm[4], "128"))
			init := "-"
			if rm[6] != "" {
				init = "init"
			}
			out = append(out, step(strings.TrimSpace(fmt.Sprintf("report %s %s %s", init, rm[7], rm[8]))))
			open = ""
		default:
			assert.Check(t, strings.HasSuffix(m, "\n"), "%q", m)
			out = append(out, step("line "+strings.TrimSuffix(m, "\n")))
		}
	}
	return out
}

// jsonSteps reads a JSON-format stream, each platform event with the
// fields AWS's telemetry schema gives it and no other.
func jsonSteps(t *testing.T, events []lambdalogs.Event) []step {
	t.Helper()
	var out []step
	for _, ev := range events {
		if !strings.HasPrefix(ev.Message, "{") {
			out = append(out, step("line "+strings.TrimSuffix(ev.Message, "\n")))
			continue
		}
		var e struct {
			Time   string
			Type   string
			Record json.RawMessage
		}
		assert.NilError(t, json.Unmarshal([]byte(ev.Message), &e))
		tm, err := time.Parse("2006-01-02T15:04:05.000Z", e.Time)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(tm.UnixMilli(), ev.Timestamp), "the event's time is its record's")
		dec := json.NewDecoder(strings.NewReader(string(e.Record)))
		dec.DisallowUnknownFields()
		switch e.Type {
		case "platform.initStart":
			var r initStartRecord
			assert.NilError(t, dec.Decode(&r))
			assert.Check(t, is.Equal(r.InitializationType, "on-demand"))
			out = append(out, step("init "+r.Phase))
		case "platform.start":
			var r startRecord
			assert.NilError(t, dec.Decode(&r))
			assert.Check(t, is.Equal(r.Version, "$LATEST"))
			assert.Check(t, r.RequestID != "")
			out = append(out, "start")
		case "platform.report":
			var r reportRecord
			assert.NilError(t, dec.Decode(&r))
			assert.Check(t, is.Equal(r.Metrics.MemorySizeMB, 128))
			assert.Check(t, r.Metrics.BilledDurationMs >= int64(r.Metrics.DurationMs))
			init := "-"
			if r.Metrics.InitDurationMs != nil {
				init = "init"
			}
			status := r.Status
			if status == "success" {
				status = ""
			}
			out = append(out, step(strings.TrimSpace(fmt.Sprintf("report %s %s %s", init, status, r.ErrorType))))
		default:
			t.Errorf("unexpected event type %q", e.Type)
		}
	}
	return out
}

// oneStream returns the one stream of a run, checking its name's form.
func oneStream(t *testing.T, streams map[string][]lambdalogs.Event) (string, []lambdalogs.Event) {
	t.Helper()
	assert.Assert(t, is.Len(streams, 1))
	for name, events := range streams {
		assert.Check(t, reStreamName.MatchString(name), "stream %q", name)
		return name, events
	}
	return "", nil
}

// TestLogsSayWhatLambdaSays runs the same calls with the logs in each
// format: a cold call that prints, a warm call, a call that crashes and
// the call after it, which runs a new init in the same stream. Each
// format's lines have AWS's form, and the two carry the same calls.
func TestLogsSayWhatLambdaSays(t *testing.T) {
	t.Parallel()
	steps := map[LogFormat][]step{}
	for _, format := range []LogFormat{LogText, LogJSON} {
		t.Run(string(format), func(t *testing.T) {
			h, done := startLogged(t, Options{Bootstrap: testFuncBin, LogFormat: format})
			a, _, _ := invoke(t, h, `{"say": "hello"}`)
			invoke(t, h, `{}`)
			_, hdr, _ := invoke(t, h, `{"exit": true}`)
			assert.Check(t, is.Equal(hdr.Get("X-Amz-Function-Error"), "Unhandled"))
			b, _, _ := invoke(t, h, `{}`)
			assert.Check(t, is.Equal(b.LogStream, a.LogStream))
			name, events := oneStream(t, done())
			assert.Check(t, is.Equal(name, a.LogStream), "the stream the function was told")
			if format == LogText {
				steps[format] = textSteps(t, events)
			} else {
				steps[format] = jsonSteps(t, events)
			}
		})
	}
	want := []step{
		"init init", "start", "line hello", "line stderr: hello", "report init",
		"start", "report -",
		"start", "report - error Runtime.ExitError",
		"init invoke", "start", "report init",
	}
	assert.Check(t, is.DeepEqual(steps[LogText], want))
	assert.Check(t, is.DeepEqual(steps[LogJSON], want))
}

// TestAReportMeasuresTheCall: REPORT's figures are the call's: Duration
// covers the handler's sleep, Billed Duration rounds the call and its
// init up to the millisecond, Max Memory Used is the process's peak.
func TestAReportMeasuresTheCall(t *testing.T) {
	t.Parallel()
	h, done := startLogged(t, Options{Bootstrap: testFuncBin})
	invoke(t, h, `{"sleep_ms": 200}`)
	invoke(t, h, `{"leak_kb": 20480}`)
	_, events := oneStream(t, done())
	var reports [][]string
	for _, ev := range events {
		if m := reReport.FindStringSubmatch(ev.Message); m != nil {
			reports = append(reports, m)
		}
	}
	assert.Assert(t, is.Len(reports, 2))
	var dur, initDur, billed, used [2]float64
	for i, m := range reports {
		fmt.Sscan(m[2], &dur[i])
		fmt.Sscan(m[3], &billed[i])
		fmt.Sscan(m[5], &used[i])
		fmt.Sscan(m[6], &initDur[i])
	}
	assert.Check(t, dur[0] >= 200, "the first call slept 200 ms: %v", dur[0])
	assert.Check(t, initDur[0] > 0 && initDur[1] == 0, "only the cold call ran init: %v", initDur)
	for i := range 2 {
		sum := dur[i] + initDur[i]
		assert.Check(t, billed[i] >= sum && billed[i] < sum+1.01, "billed %v for %v", billed[i], sum)
	}
	assert.Check(t, used[0] >= 1 && used[0] < 100, "a probe's memory: %v MB", used[0])
	assert.Check(t, used[1] >= used[0]+20, "20 MB more after a 20 MB leak: %v then %v MB", used[0], used[1])
}

// TestAProcessPastItsMemoryIsReset: a function that keeps 16 MB more with
// every call passes its 128 MB at the call its starting memory predicts;
// that call is answered Runtime.OutOfMemory, its REPORT says so (Max Memory
// Used at the memory size), and the environment is reset: the next call
// runs in the same stream on a new process, after a second init.
func TestAProcessPastItsMemoryIsReset(t *testing.T) {
	t.Parallel()
	const leakMB, sizeMB = 16, 128
	h, done := startLogged(t, Options{Bootstrap: testFuncBin, MemoryMB: sizeMB, LogFormat: LogJSON})
	first, _, _ := invoke(t, h, `{}`)
	status, err := openStatus(h.PIDs()[first.LogStream])
	assert.NilError(t, err)
	rss, _, err := memoryKB(status)
	status.Close()
	assert.NilError(t, err)
	// The first call whose leak takes the process past its memory size.
	predicted := int((int64(sizeMB)<<10-rss)/(leakMB<<10)) + 1
	failedAt := 0
	for i := 1; i <= predicted+3 && failedAt == 0; i++ {
		_, hdr, body := invoke(t, h, fmt.Sprintf(`{"leak_kb": %d}`, leakMB<<10))
		if hdr.Get("X-Amz-Function-Error") != "" {
			failedAt = i
			assert.Check(t, is.Contains(string(body), `"errorType":"Runtime.OutOfMemory"`))
			assert.Check(t, is.Contains(string(body), "Runtime exited with error: signal: killed"))
		}
	}
	// The Go runtime's own growth may take it over a call early.
	assert.Check(t, failedAt == predicted || failedAt == predicted-1,
		"reset at leaking call %d, predicted %d from %d KB resident", failedAt, predicted, rss)
	next, hdr, _ := invoke(t, h, `{}`)
	assert.Check(t, is.Equal(hdr.Get("X-Amz-Function-Error"), ""))
	assert.Check(t, is.Equal(next.LogStream, first.LogStream), "the same environment")
	assert.Check(t, next.InstanceID != first.InstanceID, "a new process")
	assert.Check(t, is.DeepEqual(h.Counts().Resets, map[string]int64{"Runtime.OutOfMemory": 1}))

	_, events := oneStream(t, done())
	steps := jsonSteps(t, events)
	var inits []step
	for _, s := range steps {
		if strings.HasPrefix(string(s), "init ") {
			inits = append(inits, s)
		}
	}
	assert.Check(t, is.DeepEqual(inits, []step{"init init", "init invoke"}), "two inits, the second inside a call")
	assert.Check(t, slices.Contains(steps, "report - error Runtime.OutOfMemory"))
	assert.Check(t, is.Equal(steps[len(steps)-1], step("report init")), "the call after the reset ran the init")
	for _, ev := range events {
		var e struct{ Record reportRecord }
		if json.Unmarshal([]byte(ev.Message), &e) == nil && e.Record.ErrorType == "Runtime.OutOfMemory" {
			assert.Check(t, is.Equal(e.Record.Metrics.MaxMemoryUsedMB, sizeMB))
		}
	}
}

// TestATimeoutIsLoggedAndTheNextCallInits: a timed-out call's REPORT says
// Status: timeout with the timeout as its Duration, and the next call, in
// the same stream, runs a new init.
func TestATimeoutIsLoggedAndTheNextCallInits(t *testing.T) {
	t.Parallel()
	h, done := startLogged(t, Options{Timeout: time.Second})
	invoke(t, h, `{}`)
	invoke(t, h, `{"sleep_ms": 3000}`)
	invoke(t, h, `{}`)
	_, events := oneStream(t, done())
	var platform []step // the probe's own line at its deadline aside
	for _, s := range textSteps(t, events) {
		if !strings.HasPrefix(string(s), "line ") {
			platform = append(platform, s)
		}
	}
	assert.Check(t, is.DeepEqual(platform, []step{
		"init init", "start", "report init", "start", "report - timeout", "init invoke", "start", "report init"}))
	for _, ev := range events {
		if m := reReport.FindStringSubmatch(ev.Message); m != nil && m[7] == "timeout" {
			assert.Check(t, is.Equal(m[2], "1000.00"))
			assert.Check(t, is.Equal(m[3], "1000"))
		}
	}
}

// TestAFolderHoldsAFilePerStream: -logs DIR writes each environment's
// stream to its own file, a line an event: its time and its message.
func TestAFolderHoldsAFilePerStream(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	sink, err := CreateDir(dir)
	assert.NilError(t, err)
	h := startHost(t, Options{Logs: sink})
	const n = 3
	answers := make([]answer, n)
	done := make(chan struct{})
	for i := range n {
		go func() { answers[i], _, _ = invoke(t, h, `{"sleep_ms": 300}`); done <- struct{}{} }()
	}
	for range n {
		<-done
	}
	assert.NilError(t, h.Close())
	assert.NilError(t, sink.Close())
	files, err := os.ReadDir(dir)
	assert.NilError(t, err)
	assert.Check(t, is.Len(files, n))
	line := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z\t(.*)$`)
	for _, a := range answers {
		b, err := os.ReadFile(filepath.Join(dir, StreamFile(a.LogStream)))
		assert.NilError(t, err, "the file of %s", a.LogStream)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		assert.Assert(t, is.Len(lines, 4), "%s", b) // INIT_START, START, END, REPORT
		for i, prefix := range []string{"INIT_START", "START", "END", "REPORT"} {
			m := line.FindStringSubmatch(lines[i])
			assert.Assert(t, m != nil, "%q", lines[i])
			assert.Check(t, strings.HasPrefix(m[1], prefix), "%q", lines[i])
		}
	}
}

func TestAnExportNeverOverwrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	assert.NilError(t, os.WriteFile(path, []byte("{}\n"), 0o644))
	_, err := CreateExport(path)
	assert.Check(t, is.ErrorContains(err, "exists already"))
	b, _ := os.ReadFile(path)
	assert.Check(t, is.Equal(string(b), "{}\n"), "left as it was")
}

// TestJSONLogsNameTheTenant: under tenant isolation, platform.start and
// platform.report carry the call's tenant id; each tenant's calls are in
// its own environment's stream.
func TestJSONLogsNameTheTenant(t *testing.T) {
	t.Parallel()
	h, done := startLogged(t, Options{TenantIsolation: true, LogFormat: LogJSON})
	for _, tenant := range []string{"blue", "green"} {
		req, err := http.NewRequest(http.MethodPost, h.URL()+"/2015-03-31/functions/probe/invocations", strings.NewReader(`{}`))
		assert.NilError(t, err)
		req.Header.Set("X-Amz-Tenant-Id", tenant)
		resp, err := http.DefaultClient.Do(req)
		assert.NilError(t, err)
		resp.Body.Close()
		assert.Check(t, is.Equal(resp.StatusCode, http.StatusOK))
	}
	streams := done()
	assert.Assert(t, is.Len(streams, 2))
	tenants := map[string]bool{}
	for _, events := range streams {
		var seen []string
		for _, ev := range events {
			var e struct {
				Type   string
				Record struct{ TenantID string }
			}
			assert.NilError(t, json.Unmarshal([]byte(ev.Message), &e))
			if e.Type == "platform.start" || e.Type == "platform.report" {
				seen = append(seen, e.Record.TenantID)
			}
		}
		assert.Assert(t, is.Len(seen, 2), "a start and a report")
		assert.Check(t, seen[0] != "" && seen[0] == seen[1], "%v", seen)
		tenants[seen[0]] = true
	}
	assert.Check(t, is.DeepEqual(tenants, map[string]bool{"blue": true, "green": true}))
}

// TestTheLogsReaderReadsTheHostsCalls: the project's reader of Lambda
// logs (lambdalogs, for reusereport -cloudwatch) reads a host's export, in
// either format, back to the host's own truth: its environments and calls
// per stream, the failed call with its error type, and one more
// generation (instance) than environments for the reset.
func TestTheLogsReaderReadsTheHostsCalls(t *testing.T) {
	t.Parallel()
	for _, format := range []LogFormat{LogText, LogJSON} {
		t.Run(string(format), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "logs.jsonl")
			sink, err := CreateExport(path)
			assert.NilError(t, err)
			h := startHost(t, Options{Bootstrap: testFuncBin, Logs: sink, LogFormat: format})
			done := make(chan struct{})
			for range 2 {
				go func() { invoke(t, h, `{"sleep_ms": 300}`); done <- struct{}{} }()
			}
			<-done
			<-done
			// Quick calls: two of a stream often end in the same
			// millisecond, which the reader keeps in the stream's order.
			for _, p := range []string{`{}`, `{"exit": true}`, `{}`, `{}`} {
				invoke(t, h, p)
			}
			assert.NilError(t, h.Close())
			assert.NilError(t, sink.Close())
			truth := h.Counts()

			calls, err := lambdalogs.Read(path, lambdalogs.Options{Names: true})
			assert.NilError(t, err)
			defer calls.Close()
			perStream := map[string]int64{}
			generations := map[string]bool{}
			var failed []string
			assert.NilError(t, calls.Replay(func(r *record.Record) {
				generations[r.InstanceID] = true
				if r.ErrorType != "" {
					failed = append(failed, r.ErrorType)
					return
				}
				perStream[r.LogStream]++
			}))
			assert.Check(t, is.DeepEqual(perStream, truth.Calls), "successful calls per environment")
			assert.Check(t, is.DeepEqual(failed, []string{"Runtime.ExitError"}))
			assert.Check(t, is.Len(generations, int(truth.Started)+1), "a runtime generation more than environments: the reset")
		})
	}
}
