package lambdalogs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// An init that timed out in the init phase is run again inside the first
// call (INIT_REPORT … Phase: invoke): the call waited for both, so it is
// a cold start, never an init made ahead of its call. The REPORT names no
// Init Duration, its Duration covering the retried init, as Bite-Sized
// Serverless measured it ("When is the Lambda Init Phase Free, and when is
// it Billed?", bitesizedserverless.com; docs/sources.md [S15]).
func TestAnInitThatTimedOutIsTheCallsColdStart(t *testing.T) {
	e := newExport()
	e.add(streamA, 0, "INIT_START Runtime Version: python:3.13.v20\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0\n")
	e.add(streamA, 10005, "INIT_REPORT Init Duration: 10004.82 ms\tPhase: init\tStatus: timeout\n")
	e.add(streamA, 10007, "START RequestId: 0e5c8424-0000-4000-8000-000000000001 Version: $LATEST\n")
	e.add(streamA, 13010, "INIT_REPORT Init Duration: 3002.03 ms\tPhase: invoke\tStatus: timeout\n")
	e.add(streamA, 13011, "END RequestId: 0e5c8424-0000-4000-8000-000000000001\n")
	e.report(streamA, 13011, "0e5c8424-0000-4000-8000-000000000001", 3003.11, 0, "timeout", "")
	// Another environment's calls, begun while A's caller waited.
	for i := range 12 {
		e.report(streamB, int64(i)*1000+100, fmt.Sprintf("b%d", i), 10, 0, "", "")
	}
	got, c := summarize(t, e.write(t), Options{Names: true})
	recs := byStream(replayAll(t, c))[streamA]
	assert.Assert(t, is.Len(recs, 1))
	assert.Check(t, recs[0].Sent.Equal(e.t0), "the call began with the init it waited for: %v", recs[0].Sent)
	assert.Check(t, is.Equal(got.Instances.ColdStarts, 1))
	assert.Check(t, is.Equal(got.Instances.Proactive, 0), "the call waited for the init: it is no proactive start")
	assert.Check(t, is.Equal(got.Requests.Failed, int64(1)))
}

// A reset's init run inside the call after a failure (Phase: invoke,
// logged after the call's START) begins a new generation at that call,
// not at the one after it.
func TestAResetRunInTheInvokePhaseBeginsItsCallsGeneration(t *testing.T) {
	e := newExport()
	e.report(streamA, 1000, "a1", 100, 300, "", "")
	e.report(streamA, 5000, "a2", 3000, 0, "timeout", "")
	e.add(streamA, 8000, "START RequestId: a3 Version: $LATEST\n")
	e.add(streamA, 8250, "INIT_REPORT Init Duration: 249.50 ms\tPhase: invoke\tStatus: success\n")
	e.report(streamA, 8300, "a3", 300, 0, "", "")
	e.report(streamA, 9300, "a4", 10, 0, "", "")
	_, recs := readAll(t, e.write(t), Options{Names: true})
	assert.Assert(t, is.Len(recs, 4))
	gen := func(r record.Record) string { return strings.TrimPrefix(r.InstanceID, streamA) }
	assert.Check(t, is.DeepEqual([]string{gen(recs[0]), gen(recs[1]), gen(recs[2]), gen(recs[3])}, []string{"#1", "#1", "#2", "#2"}))
	assert.Check(t, is.Equal(recs[2].Invocation, int64(1)))
}

// The same in Lambda's JSON format: platform.initReport says the init
// phase timed out.
func TestAnInitThatTimedOutIsTheCallsColdStartInJSON(t *testing.T) {
	e := newExport()
	e.add(streamA, 0, `{"time":"2026-05-04T12:00:00.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.13.v20","functionName":"f","functionVersion":"$LATEST"}}`)
	e.add(streamA, 10005, `{"time":"2026-05-04T12:00:10.005Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"timeout","metrics":{"durationMs":10004.82}}}`)
	e.add(streamA, 10007, `{"time":"2026-05-04T12:00:10.007Z","type":"platform.start","record":{"requestId":"r1","version":"$LATEST"}}`)
	e.add(streamA, 13011, `{"time":"2026-05-04T12:00:13.011Z","type":"platform.report","record":{"requestId":"r1","status":"timeout","metrics":{"durationMs":3003.11,"billedDurationMs":13008,"memorySizeMB":128,"maxMemoryUsedMB":40}}}`)
	got, _ := summarize(t, e.write(t), Options{})
	assert.Check(t, is.Equal(got.Instances.ColdStarts, 1))
	assert.Check(t, is.Equal(got.Instances.Proactive, 0), "the call waited for the init: it is no proactive start")
}

// Node.js runtimes before 2020 logged a crash (an out-of-memory kill, an
// uncaught exception) as "RequestId: … Process exited before completing
// request" after the call's REPORT; AWS's Lambda Developer Guide
// (awsdocs/aws-lambda-developer-guide, invocation-async.md) quotes the
// message. The call failed, and the next call re-ran init: a reset.
func TestNodesOldCrashLineIsAFailure(t *testing.T) {
	e := newExport()
	e.report(streamA, 1000, "7fbfff1b-a8b6-4e77-9da6-7de379413f3e", 100, 300, "", "")
	e.add(streamA, 2000, "REPORT RequestId: 7fbfff1b-a8b6-4e77-9da6-7de379413f3f  Duration: 81.13 ms      Billed Duration: 100 ms Memory Size: 1024 MB    Max Memory Used: 74 MB  \n")
	e.add(streamA, 2001, "RequestId: 7fbfff1b-a8b6-4e77-9da6-7de379413f3f Process exited before completing request\n\n")
	e.report(streamA, 9000, "7fbfff1b-a8b6-4e77-9da6-7de379413f40", 100, 280, "", "")
	got, _ := summarize(t, e.write(t), Options{})
	assert.Check(t, is.Equal(got.Requests.Failed, int64(1)))
	assert.Check(t, is.DeepEqual(got.Requests.ByError, map[string]int64{"Runtime.ExitError": 1}))
	assert.Check(t, is.Equal(got.Instances.Resets, 1))
}

// A failure's own line written a few milliseconds after the REPORT of the
// export's longest call (a timeout's call is the longest) still reaches
// its call.
func TestATimeoutLineLateAfterTheLongestCall(t *testing.T) {
	e := newExport()
	e.report(streamA, 1000, "0e5c8424-0000-4000-8000-00000000000a", 100, 300, "", "")
	e.add(streamA, 40000, "REPORT RequestId: 0e5c8424-0000-4000-8000-00000000000b\tDuration: 30000.00 ms\tBilled Duration: 30000 ms \tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n")
	e.add(streamA, 40004, "2016-06-06T03:10:19.163Z 0e5c8424-0000-4000-8000-00000000000b Task timed out after 30.00 seconds\n")
	e.report(streamB, 40003, "0e5c8424-0000-4000-8000-00000000000c", 10, 0, "", "")
	got, _ := summarize(t, e.write(t), Options{})
	assert.Check(t, is.DeepEqual(got.Requests.ByError, map[string]int64{record.ErrorTimedout: 1}))
}

// Only Lambda's own timeout line is a failure: a function's own line that
// quotes a timeout of something else (a queue's, a downstream call's) is
// the function's output, and its call may well succeed.
func TestAFunctionsOwnTimeoutMessageIsNoFailure(t *testing.T) {
	const id = "0e5c8424-0000-4000-8000-0000000000"
	e := newExport()
	e.report(streamA, 1000, id+"01", 100, 300, "", "")
	e.add(streamA, 1900, "2026-05-04T12:00:01.900Z\t"+id+"02\tERROR\terror: Task timed out after 300000ms (queue has 1 running, 0 waiting)\n")
	e.add(streamA, 1950, "2026-05-04T12:00:01.950Z\t"+id+"02\tINFO\tTask timed out after 3.00 seconds, retrying\n")
	e.report(streamA, 2000, id+"02", 500, 0, "", "")
	// The emulator's and newer runtimes' form, after its REPORT.
	e.report(streamA, 9000, id+"03", 3000, 0, "", "")
	e.add(streamA, 9001, "RequestId: "+id+"03 Error: Task timed out after 3.00 seconds\n")
	e.report(streamA, 12000, id+"04", 100, 250, "", "")
	_, recs := readAll(t, e.write(t), Options{})
	assert.Assert(t, is.Len(recs, 4))
	var failed []string
	for _, r := range recs {
		failed = append(failed, r.ErrorType)
	}
	assert.Check(t, is.DeepEqual(failed, []string{"", "", record.ErrorTimedout, ""}))
}

// A reset's init begun in the invoke phase of the next call, in the very
// millisecond the failed call's platform.report was written (a busy
// function), is the next call's, not the failed one's.
func TestAnInvokePhaseInitInTheFailedCallsMillisecond(t *testing.T) {
	e := newExport()
	rep := func(ms int64, req string, dur float64, status, extra string) {
		e.add(streamA, ms, fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":%q,"status":%q,"metrics":{"durationMs":%g,"memorySizeMB":128,"maxMemoryUsedMB":60%s}}}`, req, status, dur, extra))
	}
	e.add(streamA, 0, `{"time":"x","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","functionVersion":"$LATEST"}}`)
	rep(500, "r1", 100, "success", `,"initDurationMs":300`)
	rep(4000, "r2", 3000, "timeout", "")
	e.add(streamA, 4000, `{"time":"x","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"invoke","functionVersion":"$LATEST"}}`)
	e.add(streamA, 4000, `{"time":"x","type":"platform.start","record":{"requestId":"r3","version":"$LATEST"}}`)
	rep(4400, "r3", 390, "success", "")
	_, recs := readAll(t, e.write(t), Options{Names: true})
	assert.Assert(t, is.Len(recs, 3))
	gen := func(r record.Record) string { return strings.TrimPrefix(r.InstanceID, streamA) }
	assert.Check(t, is.DeepEqual([]string{gen(recs[0]), gen(recs[1]), gen(recs[2])}, []string{"#1", "#1", "#2"}))
}

// An init that failed ahead of any call (a proactive one), retried by a
// call minutes later: the call waited for the retry alone, and other
// environments' calls between keep the calls and the trace in order.
func TestAFailedInitRetriedLongAfter(t *testing.T) {
	e := newExport()
	e.add(streamA, 0, "INIT_START Runtime Version: python:3.13.v20\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0\n")
	e.add(streamA, 1200, "INIT_REPORT Init Duration: 1200.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n")
	for i := range 30 {
		e.report(streamB, int64(i)*10_000+100, fmt.Sprintf("b%d", i), 10, 0, "", "")
	}
	e.add(streamA, 300_000, "START RequestId: a1 Version: $LATEST\n")
	e.add(streamA, 301_500, "INIT_REPORT Init Duration: 1500.00 ms\tPhase: invoke\tStatus: success\n")
	e.report(streamA, 301_600, "a1", 1600, 0, "", "")
	got, c := summarize(t, e.write(t), Options{Names: true})
	a := byStream(replayAll(t, c))[streamA]
	assert.Assert(t, is.Len(a, 1))
	assert.Check(t, a[0].Sent.Equal(e.t0.Add(300*time.Second)), "the call began at its own start: %v", a[0].Sent)
	assert.Check(t, a[0].InitAt.Equal(a[0].Sent), "its init, the retry, began with it: %v", a[0].InitAt)
	assert.Check(t, is.Equal(got.Instances.Proactive, 0))
}

// 2015's timeout line names no request (elprespufferfish/fashionhawk#19,
// testdata stream I): written right after its call's REPORT, as 2016's
// lines with an id were (testdata streams B, C, H), it is that call's
// failure, not the next call's.
func TestA2015TimeoutLineAfterItsReport(t *testing.T) {
	const s = "2015/08/18/[HEAD]32dc9361f6d04d7aa1e6f181676e4144"
	e := newExport()
	e.add(s, 1000, "REPORT RequestId: 1a2b3c4d-0000-11e5-8000-000000000001\tDuration: 120.00 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n")
	e.add(s, 65000, "REPORT RequestId: 1a2b3c4d-0000-11e5-8000-000000000002\tDuration: 60000.00 ms\tBilled Duration: 60000 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n")
	e.add(s, 65001, "Task timed out after 60.00 seconds\n")
	e.add(s, 80000, "REPORT RequestId: 1a2b3c4d-0000-11e5-8000-000000000003\tDuration: 110.00 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n")
	// Before its REPORT, in the same millisecond (testdata stream D).
	e.add(s, 150000, "Task timed out after 60.00 seconds\n")
	e.add(s, 150000, "REPORT RequestId: 1a2b3c4d-0000-11e5-8000-000000000004\tDuration: 60000.00 ms\tBilled Duration: 60000 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n")
	_, recs := readAll(t, e.write(t), Options{})
	assert.Assert(t, is.Len(recs, 4))
	var types []string
	for _, r := range recs {
		types = append(types, r.ErrorType)
	}
	assert.Check(t, is.DeepEqual(types, []string{"", record.ErrorTimedout, "", record.ErrorTimedout}))
}

// replayAll is the calls' records, in start order.
func replayAll(t *testing.T, c *Calls) []record.Record {
	t.Helper()
	var recs []record.Record
	assert.NilError(t, c.Replay(func(r *record.Record) { recs = append(recs, *r) }))
	return recs
}

// In a stream whose name says no version (Managed Instances'), only a
// call's START names its version: a -version choice keeps the calls of
// that version, never those of another.
func TestAVersionChosenInAStreamWhoseNameSaysNone(t *testing.T) {
	const s = "my-provider/managed-instances"
	e := newExport()
	for i, v := range []string{"1", "2", "1", "2"} {
		inst := fmt.Sprintf("i-%s", v)
		req := fmt.Sprintf("r%d", i)
		at := int64(1000 + i*2000)
		e.add(s, at, fmt.Sprintf(`{"time":"x","type":"platform.start","record":{"requestId":%q,"version":%q,"instanceId":%q}}`, req, v, inst))
		e.add(s, at+500, fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":%q,"instanceId":%q,"status":"success","metrics":{"durationMs":400}}}`, req, inst))
	}
	path := e.write(t)
	_, err := Read(path, Options{})
	assert.ErrorContains(t, err, "[1]: 2 calls, [2]: 2 calls")
	c, recs := readAll(t, path, Options{Version: "2"})
	assert.Check(t, is.Len(recs, 2), "the calls of version 2 alone")
	assert.Check(t, is.Equal(c.Logs().Version, "2"))
	assert.Check(t, is.Equal(c.Logs().Skipped[reasonOtherVersion], int64(4)), "version 1's STARTs and REPORTs")
	assert.Check(t, is.Equal(c.Logs().Used, int64(4)))
}
