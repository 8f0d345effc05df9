package lambdalogs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// export is a hand-made export: events added in any order, written as
// JSON Lines.
type export struct {
	t0     time.Time
	events []map[string]any
}

func newExport() *export { return &export{t0: time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)} }

// add adds an event of stream at ms after t0.
func (e *export) add(stream string, ms int64, msg string) {
	at := e.t0.UnixMilli() + ms
	e.events = append(e.events, map[string]any{"logStreamName": stream, "timestamp": at, "message": msg, "ingestionTime": at + 200,
		"eventId": fmt.Sprintf("%056d", len(e.events)+1)})
}

// report adds a text REPORT of call req ending at endMS, taking durMS
// (initMS > 0: it ran init), with status and error type when failed.
func (e *export) report(stream string, endMS int64, req string, durMS, initMS float64, status, errType string) {
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB\t", req, durMS, durMS+1)
	if initMS > 0 {
		line += fmt.Sprintf("Init Duration: %.2f ms\t", initMS)
	}
	if status != "" {
		line += "Status: " + status + "\t"
	}
	if errType != "" {
		line += "Error Type: " + errType + "\t"
	}
	e.add(stream, endMS, line+"\n")
}

func (e *export) write(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range e.events {
		line, err := json.Marshal(ev)
		assert.NilError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	assert.NilError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

const (
	streamA = "2026/05/04/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	streamB = "2026/05/04/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestAResetIsSeenWithOrWithoutTheFailuresLine(t *testing.T) {
	// Stream A: a cold call, a call that fails, then an init in the same
	// stream: the next call re-ran init. Whether the failure is on its
	// REPORT, on a line of its own, or nowhere in the export (REPORT-only
	// of an old log), the init in a stream that had served is a reset.
	for _, how := range []string{"on the REPORT", "a line of its own", "not in the export"} {
		t.Run(how, func(t *testing.T) {
			e := newExport()
			e.report(streamA, 1000, "r1", 100, 300, "", "")
			switch how {
			case "on the REPORT":
				e.report(streamA, 5000, "r2", 50, 0, "error", "Runtime.OutOfMemory")
			case "a line of its own":
				e.add(streamA, 5000, "RequestId: 0b0b0b0b-0000-4000-8000-000000000002 Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory\n")
				e.report(streamA, 5000, "0b0b0b0b-0000-4000-8000-000000000002", 50, 0, "", "")
			default:
				e.report(streamA, 5000, "r2", 50, 0, "", "")
			}
			e.add(streamA, 9000, "INIT_START Runtime Version: nodejs:22.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0\n")
			e.report(streamA, 9500, "r3", 100, 400, "", "")
			e.report(streamA, 12000, "r4", 100, 0, "", "")
			got, _ := summarize(t, e.write(t), Options{})
			assert.Check(t, is.Equal(got.Instances.Count, 1), "one environment")
			assert.Check(t, is.Equal(got.Instances.Resets, 1))
			assert.Check(t, is.Equal(got.Instances.ColdStarts, 1), "the reset is no cold start")
			assert.Check(t, is.Equal(got.Reuse.Max, int64(4)), "the environment served all four, the failed one too")
			assert.Assert(t, got.Generations != nil)
			assert.Check(t, is.Equal(got.Generations.Count, 2))
			assert.Check(t, is.Equal(got.Generations.Reuse.Min, int64(2)))
			if how == "not in the export" {
				assert.Check(t, is.Equal(got.Requests.Failed, int64(0)), "a failure the export does not hold is not counted")
			} else {
				assert.Check(t, is.DeepEqual(got.Requests.ByError, map[string]int64{"Runtime.OutOfMemory": 1}))
			}
		})
	}
}

func TestFailuresByErrorType(t *testing.T) {
	e := newExport()
	e.report(streamA, 1000, "r1", 100, 300, "error", "Runtime.OutOfMemory")
	e.report(streamA, 3000, "r2", 100, 300, "error", "Runtime.OutOfMemory")
	e.report(streamA, 8000, "r3", 3000, 300, "timeout", "")
	e.report(streamA, 12000, "r4", 100, 300, "error", "Runtime.ExitError")
	e.report(streamA, 15000, "r5", 100, 300, "", "")
	got, _ := summarize(t, e.write(t), Options{})
	assert.Check(t, is.DeepEqual(got.Requests.ByError, map[string]int64{"Runtime.OutOfMemory": 2, record.ErrorTimedout: 1, "Runtime.ExitError": 1}))
	assert.Check(t, is.Equal(got.Requests.Failed, int64(4)))
	assert.Check(t, is.DeepEqual(got.Requests.ByErrorClass, map[record.ErrorClass]int64{record.ClassFunctionError: 4}))
	assert.Check(t, is.Equal(got.Instances.Resets, 4), "each failure reset the environment")
	var table strings.Builder
	assert.NilError(t, metric.WriteTable(&table, got))
	assert.Check(t, is.Contains(table.String(), "failed by error type: Runtime.OutOfMemory 2, Runtime.ExitError 1, Sandbox.Timedout 1"))
}

func TestCensoredStreamsAreCountedAndSaid(t *testing.T) {
	// A: warm from before the window (no init), ends an hour before the
	// window does; B: starts in the window and serves to its end.
	e := newExport()
	for i := range 5 {
		e.report(streamA, int64(i)*60_000+100, fmt.Sprintf("a%d", i), 50, 0, "", "")
	}
	e.report(streamB, 1000, "b0", 50, 250, "", "")
	for i := range 65 {
		e.report(streamB, int64(i+1)*60_000+500, fmt.Sprintf("b%d", i+1), 50, 0, "", "")
	}
	got, _ := summarize(t, e.write(t), Options{})
	assert.Check(t, is.Equal(got.Instances.LeftCensored, 1))
	assert.Check(t, is.Equal(got.LifetimeMinutes.Censored, 1), "B serves to the end: right-censored")
	var table strings.Builder
	assert.NilError(t, metric.WriteTable(&table, got))
	for _, row := range []string{"  start unseen (left-censored)", "  still serving at end (censored)", "  resets (same environment, re-init)"} {
		assert.Check(t, is.Contains(table.String(), row))
	}
	assert.Check(t, is.Contains(table.String(), "started in the run                               1"))
}

func TestOverlappingCallsInAStream(t *testing.T) {
	// Managed Instances write every environment of a capacity provider into
	// one stream: two calls at once there cannot be one classic
	// environment's.
	stream := "my-capacity-provider/managed-instances"
	t.Run("refused without instance ids", func(t *testing.T) {
		e := newExport()
		e.add(stream, 1000, `{"time":"x","type":"platform.report","record":{"requestId":"r1","status":"success","metrics":{"durationMs":900}}}`)
		e.add(stream, 1100, `{"time":"x","type":"platform.report","record":{"requestId":"r2","status":"success","metrics":{"durationMs":900}}}`)
		_, err := Read(e.write(t), Options{})
		assert.ErrorContains(t, err, "overlapping calls")
		assert.ErrorContains(t, err, "Managed Instances")
		assert.ErrorContains(t, err, "instanceId")
	})
	t.Run("split by instance id", func(t *testing.T) {
		e := newExport()
		for i, inst := range []string{"i-1", "i-2", "i-1", "i-2"} {
			e.add(stream, int64(1000+i*100+i/2*2000),
				fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":"r%d","instanceId":%q,"status":"success","metrics":{"durationMs":900}}}`, i, inst))
		}
		got, c := summarize(t, e.write(t), Options{})
		assert.Check(t, is.Equal(got.Instances.Count, 2), "one environment per instance id")
		assert.Check(t, is.Equal(c.Logs().Streams, 2))
	})
	t.Run("a classic stream's overlap", func(t *testing.T) {
		e := newExport()
		e.report(streamA, 1000, "r1", 900, 0, "", "")
		e.report(streamA, 1500, "r2", 900, 0, "", "")
		_, err := Read(e.write(t), Options{})
		assert.ErrorContains(t, err, "one classic execution environment serves one call at a time")
	})
}

func TestSeveralVersionsAreRefusedOrChosen(t *testing.T) {
	e := newExport()
	v1, v2 := "2026/05/04/[1]cccccccccccccccccccccccccccccccc", "2026/05/04/[2]dddddddddddddddddddddddddddddddd"
	e.report(v1, 1000, "r1", 50, 200, "", "")
	e.report(v1, 2000, "r2", 50, 0, "", "")
	e.report(v2, 3000, "r3", 50, 200, "", "")
	path := e.write(t)
	_, err := Read(path, Options{})
	assert.ErrorContains(t, err, "[1]: 2 calls, [2]: 1 calls")
	assert.ErrorContains(t, err, "-version")
	got, c := summarize(t, path, Options{Version: "2"})
	assert.Check(t, is.Equal(got.Requests.Total, int64(1)))
	assert.Check(t, is.Equal(c.Logs().Version, "2"))
	assert.Check(t, is.Equal(c.Logs().Skipped[reasonOtherVersion], int64(2)))
	// Functions in a custom group's stream names.
	e = newExport()
	e.report("2026/05/04/orders[$LATEST]eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", 1000, "r1", 50, 200, "", "")
	e.report("2026/05/04/billing[$LATEST]ffffffffffffffffffffffffffffffff", 1000, "r2", 50, 200, "", "")
	path = e.write(t)
	_, err = Read(path, Options{})
	assert.ErrorContains(t, err, "billing[$LATEST]: 1 calls, orders[$LATEST]: 1 calls")
	_, c = summarize(t, path, Options{Function: "orders"})
	assert.Check(t, is.Equal(c.Logs().Function, "orders"))
}

func TestBadEventsAreSkippedCountedAndNamed(t *testing.T) {
	e := newExport()
	e.report(streamA, 1000, "r1", 100, 300, "", "")
	e.report(streamA, 2000, "r2", -5, 0, "", "")                                                                       // a negative duration
	e.add(streamA, 3000, "REPORT RequestId: r3\tDuration: 12.5 ms\tMemory Size: 128 MB\tMax Memory Used: 200000 MB\t") // memory past 100 GB
	e.add(streamA, 4000, "REPORT RequestId: r4\tBilled Duration: 13 ms\t")                                             // no Duration
	e.add(streamA, 5000, `{"time":"x","type":"platform.report","record":{`)                                            // broken JSON
	e.events = append(e.events, map[string]any{"logStreamName": streamA, "timestamp": "soon", "message": "x"})
	e.events = append(e.events, e.events[0]) // a duplicate
	path := e.write(t)
	// A line that is not JSON at all.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	assert.NilError(t, err)
	f.WriteString("{\"logStreamName\": \"x\", \"message\": \"unterminated\n")
	f.Close()
	e.report(streamA, 6000, "r6", 100, 0, "", "")
	c, recs := readAll(t, path, Options{})
	assert.Check(t, is.Len(recs, 1))
	logs := c.Logs()
	assert.Check(t, is.Equal(logs.Events, int64(8)))
	assert.Check(t, is.Equal(logs.Skipped[reasonImpossible], int64(2)))
	assert.Check(t, is.Equal(logs.Skipped[reasonMalformedMessage], int64(2)))
	assert.Check(t, is.Equal(logs.Skipped[reasonMalformedEvent], int64(2)))
	assert.Check(t, is.Equal(logs.Skipped[reasonDuplicate], int64(1)))
	hash := label(streamA, false)
	assert.Check(t, is.Contains(strings.Join(logs.Bad, "\n"), "event 1 in stream "+hash+": impossible value: Duration: -5.00 ms"))
	assert.Check(t, is.Contains(strings.Join(logs.Bad, "\n"), "event 2 in stream "+hash+": impossible value: Max Memory Used: 200000 MB"))
	assert.Check(t, is.Contains(strings.Join(logs.Bad, "\n"), "event 5 in stream "+hash+": timestamp is not a number"))
	assert.Check(t, !strings.Contains(strings.Join(logs.Bad, "\n"), streamA), "streams are named by their hash")
}

func TestCallsOfAStreamEndingInOneMillisecondKeepTheirOrder(t *testing.T) {
	// Log times are whole milliseconds, so calls of one environment can end
	// in the same one: a cold call and the next, or a failed call, the
	// reset's init and the calls after it. Their order is the stream's
	// (its events in the order the export gives them, as CloudWatch Logs
	// returns a stream's events of one millisecond: in the order they were
	// put), whatever their event ids; many streams, so that no order of
	// ties by chance passes.
	const streams = 40
	name := func(i int) string { return fmt.Sprintf("2026/05/04/[$LATEST]%032x", i+1) }
	type seen struct {
		Gen     string
		Inv     int64
		Init    bool
		ErrType string
	}
	for _, reset := range []bool{false, true} {
		for _, reportOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("reset=%v report-only=%v", reset, reportOnly), func(t *testing.T) {
				e := newExport()
				initStart := func(s string, ms int64) {
					if !reportOnly {
						e.add(s, ms, "INIT_START Runtime Version: provided:al2023.v100\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0\n")
					}
				}
				call := func(s string, endMS int64, req string, durMS, initMS float64, status, errType string) {
					if !reportOnly {
						e.add(s, endMS, "START RequestId: "+req+" Version: $LATEST\n")
						e.add(s, endMS, "END RequestId: "+req+"\n")
					}
					e.report(s, endMS, req, durMS, initMS, status, errType)
				}
				want := []seen{{Gen: "#1", Inv: 1, Init: true}, {Gen: "#1", Inv: 2}}
				for i := range streams {
					s := name(i)
					initStart(s, 0)
					if !reset {
						// A cold call and the next, ending in one millisecond.
						call(s, 300, fmt.Sprintf("a%d", i), 0.4, 299.5, "", "")
						call(s, 300, fmt.Sprintf("b%d", i), 0.3, 0, "", "")
						continue
					}
					// A failed call, the reset's init and two calls after it,
					// all in one millisecond.
					call(s, 300, fmt.Sprintf("a%d", i), 5, 295, "", "")
					call(s, 900, fmt.Sprintf("c%d", i), 0.3, 0, "error", "Runtime.ExitError")
					initStart(s, 900)
					call(s, 900, fmt.Sprintf("d%d", i), 0.2, 0.3, "", "")
					call(s, 900, fmt.Sprintf("e%d", i), 0.1, 0, "", "")
					want = []seen{{Gen: "#1", Inv: 1, Init: true}, {Gen: "#1", Inv: 2, ErrType: "Runtime.ExitError"},
						{Gen: "#2", Inv: 1, Init: true}, {Gen: "#2", Inv: 2}}
				}
				_, recs := readAll(t, e.write(t), Options{Names: true})
				got := byStream(recs)
				assert.Assert(t, is.Len(got, streams))
				for i := range streams {
					s := name(i)
					var calls []seen
					for _, r := range got[s] {
						calls = append(calls, seen{Gen: strings.TrimPrefix(r.InstanceID, s), Inv: r.Invocation, Init: r.InitMS > 0, ErrType: r.ErrorType})
					}
					slices.SortFunc(calls, func(a, b seen) int { return cmp.Or(cmp.Compare(a.Gen, b.Gen), cmp.Compare(a.Inv, b.Inv)) })
					if !assert.Check(t, is.DeepEqual(calls, want), "stream %d: each generation begun by its init", i) {
						return
					}
				}
			})
		}
	}
}

func TestTooManyEventsOfOneMillisecondAreRefused(t *testing.T) {
	// A stream's events of one millisecond and kind are held together to
	// find duplicates: past maxGroup, the export is refused, named.
	e := newExport()
	for i := range maxGroup + 1 {
		e.report(streamA, 1000, fmt.Sprintf("r%d", i), 0.1, 0, "", "")
	}
	e.events = append(e.events, e.events[maxGroup-1]) // a duplicate, late in its group
	_, err := Read(e.write(t), Options{Names: true})
	assert.ErrorContains(t, err, fmt.Sprintf("stream %s holds more than %d events of one kind in the millisecond 2026-05-04T12:00:01.000Z", streamA, maxGroup))

	e.events = e.events[maxGroup-40:]
	_, recs := readAll(t, e.write(t), Options{})
	assert.Check(t, is.Len(recs, 41), "the duplicate, far from its first, counts once")
}

func TestCallsThatBeginTogetherKeepOneOrderHoweverStreamsInterleave(t *testing.T) {
	// Calls of several streams that began in the same instant come out in
	// one order, whether the export interleaves its streams by time or
	// gives them one after the other, in any order of streams.
	names := []string{streamA, streamB, "2026/05/04/[$LATEST]cccccccccccccccccccccccccccccccc"}
	var orders [][]string
	for _, streams := range [][]string{names, {names[2], names[1], names[0]}, {names[1], names[0], names[2]}} {
		e := newExport()
		for i, s := range streams {
			for c := range 3 {
				// Every stream's call c begins at 900 ms + 2 s c; they end apart.
				dur := float64(100 + 50*i + 10*c)
				e.report(s, 900+2000*int64(c)+int64(dur), fmt.Sprintf("%s-%d", s[len(s)-4:], c), dur, 0, "", "")
			}
		}
		_, recs := readAll(t, e.write(t), Options{Names: true})
		var order []string
		for _, r := range recs {
			order = append(order, fmt.Sprintf("%s %v", r.LogStream, r.Scheduled.Sub(e.t0)))
		}
		orders = append(orders, order)
	}
	assert.Check(t, is.DeepEqual(orders[1], orders[0]))
	assert.Check(t, is.DeepEqual(orders[2], orders[0]))
}

// A call that waited for an init logged ahead of it (an INIT_START, its
// REPORT naming no Init Duration) began when the init did: further back
// than any REPORT's duration and init reach. Another stream's call that
// began between them must still come after it in the calls and the trace.
func TestACallThatWaitedForAnInitKeepsTheTraceInOrder(t *testing.T) {
	e := newExport()
	e.add(streamA, 1000, "INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:0123\n")
	e.report(streamB, 1300, "b1", 10, 0, "", "")
	e.add(streamA, 1450, "START RequestId: a1 Version: $LATEST\n")
	e.report(streamA, 1500, "a1", 100, 0, "", "")
	e.report(streamB, 1700, "b2", 10, 0, "", "")
	trace := filepath.Join(t.TempDir(), "trace.csv")
	c, err := Read(e.write(t), Options{TracePath: trace})
	assert.NilError(t, err)
	defer c.Close()
	raw, err := os.ReadFile(trace)
	assert.NilError(t, err)
	var starts []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[2:] {
		starts = append(starts, strings.Split(line, ",")[0])
	}
	assert.Check(t, is.DeepEqual(starts, []string{
		"2026-05-04T12:00:01.000000000Z", // a1 began with the init it waited for
		"2026-05-04T12:00:01.290000000Z",
		"2026-05-04T12:00:01.690000000Z",
	}))
	_, err = c.Schedule(trace)
	assert.NilError(t, err, "the trace reads back")
}
