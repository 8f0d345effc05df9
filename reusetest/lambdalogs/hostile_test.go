package lambdalogs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// A hostile pass: exports as users and their tools write them, which no
// writer of this package's own makes.

// rawLine is one event object as a JSON Lines line, written by hand (not
// by encoding/json), its message as given: already escaped for JSON.
func rawLine(stream string, ms int64, id int, escapedMsg string) string {
	return fmt.Sprintf(`{"logStreamName": %q, "timestamp": %d, "message": "%s", "ingestionTime": %d, "eventId": "%056d"}`,
		stream, ms, escapedMsg, ms+300, id)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	assert.NilError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

const t0ms = 1780000000000 // 2026-05-28

// twoCalls is a cold call and a warm one of streamA, as JSON Lines lines.
func twoCalls() []string {
	return []string{
		rawLine(streamA, t0ms, 1, `REPORT RequestId: 11111111-aaaa\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 200.00 ms\t\n`),
		rawLine(streamA, t0ms+5000, 2, `REPORT RequestId: 22222222-aaaa\tDuration: 20.00 ms\tBilled Duration: 20 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB\t\n`),
	}
}

func TestAByteOrderMarkOrWindowsLineEndsRead(t *testing.T) {
	lines := twoCalls()
	for name, content := range map[string]string{
		"BOM, JSON Lines":       "\ufeff" + strings.Join(lines, "\n") + "\n",
		"BOM, export object":    "\ufeff{\"events\": [" + strings.Join(lines, ",\r\n") + "],\r\n\"searchedLogStreams\": []}\r\n",
		"CRLF and blank lines":  "\r\n" + strings.Join(lines, "\r\n\r\n") + "\r\n\r\n",
		"events after the rest": `{"searchedLogStreams": [{"logStreamName": "x", "searchedCompletely": true}], "nextToken": {"a": [1, {"b": null}]}, "events": [` + strings.Join(lines, ",") + `]}`,
		"two pages, duplicated": `{"events": [` + lines[0] + `], "nextToken": "abc"}` + "\n" + `{"events": [` + lines[0] + "," + lines[1] + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, recs := readAll(t, writeFile(t, "export.json", content), Options{})
			assert.Check(t, is.Len(recs, 2))
			assert.Check(t, is.Equal(c.Logs().Calls, int64(2)))
		})
	}
	// Windows PowerShell 5.1's `>` writes UTF-16: refused with what to do.
	utf16 := []byte{0xff, 0xfe}
	for _, r := range strings.Join(lines, "\n") {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	path := writeFile(t, "export.json", string(utf16))
	_, err := Read(path, Options{})
	assert.ErrorContains(t, err, "UTF-16")
	assert.ErrorContains(t, err, "Out-File -Encoding utf8")
	ok, err := IsExport(path)
	assert.Check(t, ok && err == nil, "reusereport takes it for an export, to say why it is refused")
	ok, err = IsExport(writeFile(t, "bom.json", "\ufeff"+lines[0]))
	assert.Check(t, ok && err == nil)
}

func TestATabWrittenAsAUnicodeEscapeIsATab(t *testing.T) {
	msg := `REPORT RequestId: 11111111-aaaa\u0009Duration: 10.00 ms\u0009Billed Duration: 10 ms\u0009Memory Size: 128 MB\u0009Max Memory Used: 60 MB\u0009Init Duration: 200.00 ms\u0009Status: error\u0009Error Type: Runtime.Unknown\n`
	_, recs := readAll(t, writeFile(t, "export.jsonl", rawLine(streamA, t0ms, 1, msg)+"\n"), Options{})
	assert.Assert(t, is.Len(recs, 1))
	assert.Check(t, is.Equal(recs[0].InitMS, 200.0))
	assert.Check(t, is.Equal(recs[0].ErrorType, "Runtime.Unknown"))
}

func TestOddNumbersAndTimes(t *testing.T) {
	lines := []string{
		rawLine(streamA, t0ms, 1, `REPORT RequestId: 11111111-aaaa\tDuration: 1e3 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t`),
		rawLine(streamA, -5, 2, `REPORT RequestId: 22222222-aaaa\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t`),
		rawLine(streamA, t0ms+9000, 3, `REPORT RequestId: 33333333-aaaa\tDuration: 99999999999999999999999999 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t`),
		rawLine(streamA, t0ms+9000, 4, `REPORT RequestId: 44444444-aaaa\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 99999999999999999999 MB\tMax Memory Used: 60 MB\t`),
		`{"logStreamName": "` + streamA + `", "timestamp": 99999999999999999999999, "message": "x", "eventId": "5"}`,
		rawLine(streamA, t0ms+9000, 6, `{\"time\":\"x\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"r6\",\"metrics\":{\"durationMs\":1e400}}}`),
		rawLine(streamA, t0ms+9000, 7, `{\"time\":\"x\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"r7\",\"metrics\":{\"durationMs\":5,\"maxMemoryUsedMB\":-1}}}`),
	}
	c, recs := readAll(t, writeFile(t, "export.jsonl", strings.Join(lines, "\n")+"\n"), Options{})
	assert.Assert(t, is.Len(recs, 1))
	assert.Check(t, is.Equal(recs[0].Done.Sub(recs[0].Sent), time.Second), "Duration: 1e3 ms is a second")
	logs := c.Logs()
	assert.Check(t, is.Equal(logs.Skipped[reasonImpossibleTime], int64(1)))
	assert.Check(t, is.Equal(logs.Skipped[reasonImpossible], int64(4)), "%v", logs.Skipped)
	assert.Check(t, is.Equal(logs.Skipped[reasonMalformedEvent], int64(1)))
}

func TestATruncatedExportSaysWhere(t *testing.T) {
	lines := twoCalls()
	whole := "{\n  \"events\": [\n" + strings.Join(lines, ",\n") + "\n  ],\n  \"searchedLogStreams\": []\n}\n"
	for _, cut := range []int{len(whole) / 2, len(whole) - 30, len(whole) - 3} {
		_, err := Read(writeFile(t, "export.json", whole[:cut]), Options{})
		assert.Check(t, err != nil && strings.Contains(err.Error(), "export.json") && strings.Contains(err.Error(), "cut short"), "cut at %d: %v", cut, err)
	}
	// JSON Lines cut in its last line: the lines before it are read, the
	// cut one counted malformed.
	jl := strings.Join(lines, "\n")
	c, recs := readAll(t, writeFile(t, "export.jsonl", jl[:len(jl)-20]), Options{})
	assert.Check(t, is.Len(recs, 1))
	assert.Check(t, is.Equal(c.Logs().Skipped[reasonMalformedEvent], int64(1)))
}

func TestAWindowOfOneCallAndAllLeftCensored(t *testing.T) {
	one := rawLine(streamA, t0ms, 1, `REPORT RequestId: 11111111-aaaa\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t`)
	got, _ := summarize(t, writeFile(t, "one.jsonl", one+"\n"), Options{})
	assert.NilError(t, got.Check())
	assert.Check(t, is.Equal(got.Requests.Total, int64(1)))
	assert.Check(t, is.Equal(got.Instances.LeftCensored, 1))
	assert.Check(t, is.Equal(got.Instances.ColdStarts, 0))

	var lines []string
	for s := range 3 {
		for i := range 4 {
			lines = append(lines, rawLine(fmt.Sprintf("2026/05/28/[$LATEST]%032x", s+1), t0ms+int64(i)*1000+int64(s), s*10+i,
				`REPORT RequestId: 11111111-aaaa\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t`))
		}
	}
	got, _ = summarize(t, writeFile(t, "all.jsonl", strings.Join(lines, "\n")), Options{})
	assert.NilError(t, got.Check())
	assert.Check(t, is.Equal(got.Instances.Count, 3))
	assert.Check(t, is.Equal(got.Instances.LeftCensored, 3))
	assert.Check(t, is.Equal(got.Instances.ColdStarts, 0))
}

// Java SnapStart's text lines as `sam logs` printed them for a Java 11
// function (the README of github.com/docwho2/java-chime-voicesdk-sma,
// 2023-07-05; docs/sources.md [S15]): a restore, its call, a warm call.
func TestSnapStartTextLines(t *testing.T) {
	const s = "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741"
	at := time.Date(2023, 7, 5, 10, 16, 34, 0, time.UTC).UnixMilli()
	lines := []string{
		rawLine(s, at+13, 1, `RESTORE_START Runtime Version: java:11.v21\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:156ab0dc268a6b4a8dedcbcf0974795cafba2ee8760fe386062fffdbb887b971\n`),
		rawLine(s, at+376, 2, `RESTORE_REPORT Restore Duration: 511.25 ms\n`),
		rawLine(s, at+379, 3, `START RequestId: b771fecc-1b53-4faf-922d-1d74357b1676 Version: 56\n`),
		rawLine(s, at+686, 4, `END RequestId: b771fecc-1b53-4faf-922d-1d74357b1676\n`),
		rawLine(s, at+686, 5, `REPORT RequestId: b771fecc-1b53-4faf-922d-1d74357b1676\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t\n`),
		rawLine(s, at+9928, 6, `START RequestId: 7667964c-05ac-4891-b28c-56f1282ebc1b Version: 56\n`),
		rawLine(s, at+10067, 7, `END RequestId: 7667964c-05ac-4891-b28c-56f1282ebc1b\n`),
		rawLine(s, at+10067, 8, `REPORT RequestId: 7667964c-05ac-4891-b28c-56f1282ebc1b\tDuration: 138.27 ms\tBilled Duration: 139 ms\tMemory Size: 3009 MB\tMax Memory Used: 159 MB\t\n`),
	}
	c, recs := readAll(t, writeFile(t, "snap.jsonl", strings.Join(lines, "\n")), Options{})
	assert.Assert(t, is.Len(recs, 2))
	assert.Check(t, is.Equal(c.Logs().Version, "56"))
	r := recs[0]
	assert.Check(t, is.Equal(r.InitType, record.InitSnapStart))
	assert.Check(t, is.Equal(r.InitMS, 511.25))
	assert.Check(t, r.Sent.Equal(time.UnixMilli(at+13)), "the call waited for the restore: %v", r.Sent)
	assert.Check(t, !r.StartUnseen && r.Invocation == 1)
	assert.Check(t, is.Equal(recs[1].Invocation, int64(2)))
	assert.Check(t, is.Equal(recs[1].InstanceID, r.InstanceID))
}

// CloudWatch Logs names a stream with 1 to 512 characters: an event of an
// empty name is malformed, not an environment of no name.
func TestAnEmptyStreamNameIsMalformed(t *testing.T) {
	lines := append(twoCalls(), rawLine("", t0ms+9000, 3, `REPORT RequestId: 33333333-aaaa\tDuration: 20.00 ms\tBilled Duration: 20 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB\t`))
	c, recs := readAll(t, writeFile(t, "export.jsonl", strings.Join(lines, "\n")), Options{Names: true})
	assert.Check(t, is.Len(recs, 2))
	assert.Check(t, is.Equal(c.Logs().Skipped[reasonMalformedEvent], int64(1)))
	assert.Check(t, is.Contains(strings.Join(c.Logs().Bad, "\n"), "event 2: an empty logStreamName"))
}

// What `aws logs get-log-events` prints (one stream's events, without
// their stream's name) gives no call: the error says why, and what to
// export instead.
func TestGetLogEventsOutputIsRefusedSayingWhy(t *testing.T) {
	content := `{"events": [{"timestamp": 1780000000000, "message": "REPORT RequestId: 1111-2222-3333\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t", "ingestionTime": 1780000000300}],
"nextForwardToken": "f/3", "nextBackwardToken": "b/3"}`
	_, err := Read(writeFile(t, "gle.json", content), Options{})
	assert.ErrorContains(t, err, "malformed event: 1")
	assert.ErrorContains(t, err, "event 0: no logStreamName")
	assert.ErrorContains(t, err, "aws logs filter-log-events")
}

// CloudWatch Logs can keep a group's events for ever: an export of a
// function's whole life may span more years than a trace may. Its
// summary is refused before any trace is written, naming the export and
// the limit.
func TestAnExportOfMoreYearsThanATraceMaySpan(t *testing.T) {
	c, _ := readAll(t, filepath.Join("testdata", "real-text.jsonl"), Options{})
	_, err := c.Summarize(filepath.Join(t.TempDir(), "trace.csv"))
	assert.ErrorContains(t, err, "logs real-text.jsonl: the calls span 10.4 years (2016-04-14 to 2026-08-19), more than the 10 years a schedule (their trace) may span")
}

// An export refused while its trace is written as it is read (as
// reusereport does) leaves no trace, and a file already there stays as
// it was.
func TestARefusedExportLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(filepath.Join("testdata", "real-text.jsonl"), Options{TracePath: filepath.Join(dir, "trace.csv")})
	assert.ErrorContains(t, err, "more than the 10 years a schedule (their trace) may span")
	_, err = os.Stat(filepath.Join(dir, "trace.csv"))
	assert.Check(t, os.IsNotExist(err), "a trace of a refused export: %v", err)
	kept := filepath.Join(dir, "kept.csv")
	assert.NilError(t, os.WriteFile(kept, []byte("mine\n"), 0o644))
	_, err = Read(filepath.Join("testdata", "real-text.jsonl"), Options{TracePath: kept})
	assert.Check(t, err != nil)
	got, err := os.ReadFile(kept)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(got), "mine\n"))
	entries, err := os.ReadDir(dir)
	assert.NilError(t, err)
	assert.Check(t, is.Len(entries, 1), "files left: %v", entries)
}

// The AWS CLI prints text, YAML or a table when told to (--output, or its
// config's output): such a file is refused saying what to write instead.
func TestTheCLIsOtherOutputsAreRefusedSayingWhy(t *testing.T) {
	for _, head := range []string{
		"EVENTS\t34956...\t2026/05/28/[$LATEST]aaaa\tREPORT RequestId: 1\t1780000000000\n",
		"events:\n- eventId: '349'\n  ingestionTime: 1780000000300\n",
		"\n  [\n  {\"@timestamp\": \"2026-05-28 00:00:00.000\"}]",
	} {
		_, err := Read(writeFile(t, "export.txt", head), Options{})
		assert.ErrorContains(t, err, "not with a JSON object: want the JSON `aws logs filter-log-events` prints (--output json")
	}
}

// Real timeout lines of 2024 and 2026: a tab-separated timeout line (a
// public log parser's test quoting an SQS-triggered function's timeout,
// 2024-11-20, found by the project's code search), with a REPORT of its
// call (made up: the source gives the line alone); and a 2026 REPORT that
// says `Status: timeout` with no line of its own (DataBiosphere/azul#8140,
// 2026-06-26, a Logs Insights query's result).
func TestRealTimeoutLinesOf2024And2026(t *testing.T) {
	const s24, s26 = "2024/11/20/[$LATEST]fb732cef3a5d533aba0973571cbf8624", "2026/06/25/[$LATEST]4725a16721a7573199c2c3d0e3dfd770"
	t24 := time.Date(2024, 11, 20, 18, 19, 35, 211e6, time.UTC).UnixMilli()
	t26 := time.Date(2026, 6, 25, 23, 59, 41, 96e6, time.UTC).UnixMilli()
	lines := []string{
		rawLine(s24, t24, 1, `2024-11-20T18:19:35.211Z\tfb732cef-3a5d-533a-ba09-73571cbf8624\tTask timed out after 900.09 seconds\n`),
		rawLine(s24, t24+1, 2, `REPORT RequestId: fb732cef-3a5d-533a-ba09-73571cbf8624\tDuration: 900090.00 ms\tBilled Duration: 900000 ms\tMemory Size: 1024 MB\tMax Memory Used: 300 MB\t\n`),
		rawLine(s26, t26, 3, `REPORT RequestId: 4725a167-21a7-5731-99c2-c3d0e3dfd770\tDuration: 180000.00 ms\tBilled Duration: 180000 ms\tMemory Size: 1280 MB\tMax Memory Used: 1201 MB\tStatus: timeout\n`),
	}
	_, recs := readAll(t, writeFile(t, "export.jsonl", strings.Join(lines, "\n")), Options{Names: true})
	assert.Assert(t, is.Len(recs, 2))
	for _, r := range recs {
		assert.Check(t, is.Equal(r.ErrorType, record.ErrorTimedout), r.LogStream)
	}
	assert.Check(t, is.Equal(recs[1].MemoryUsedMB, 1201.0))
}

// Under tenant isolation each call's platform.start names its tenant:
// the records carry it and the trace has a tenant column.
func TestTenantsOfJSONLogs(t *testing.T) {
	c, tenants, trace := readTenants(t, []string{"acme", "globex", "acme", "globex corp"}, streamA, streamB)
	assert.Check(t, is.DeepEqual(tenants, []string{"acme", "globex", "acme", "globex corp"}))
	assert.Check(t, c.HasTenants())
	raw, err := os.ReadFile(trace)
	assert.NilError(t, err)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	assert.Check(t, is.Equal(lines[1], "time,duration_ms,tenant"))
	assert.Check(t, strings.HasSuffix(lines[5], ",globex corp"), lines[5])
	_, err = c.Schedule(trace)
	assert.NilError(t, err, "the trace reads back, tenants and all")
}

// readTenants reads JSON logs of one call per tenant id ("" for a call
// that names none), each in the next of streams in turn, writing their
// trace: the calls, the records' tenants and the trace's path.
func readTenants(t *testing.T, ids []string, streams ...string) (*Calls, []string, string) {
	t.Helper()
	e := newExport()
	for i, tenant := range ids {
		s := streams[i%len(streams)]
		req := fmt.Sprintf("r%d", i)
		at := int64(1000 + i*2000)
		named := ""
		if tenant != "" {
			named = fmt.Sprintf(`,"tenantId":%q`, tenant)
		}
		e.add(s, at, fmt.Sprintf(`{"time":"x","type":"platform.start","record":{"requestId":%q,"version":"$LATEST"%s}}`, req, named))
		e.add(s, at+100, fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":%q,"status":"success","metrics":{"durationMs":90,"memorySizeMB":128,"maxMemoryUsedMB":50}}}`, req))
	}
	trace := filepath.Join(t.TempDir(), "trace.csv")
	c, err := Read(e.write(t), Options{TracePath: trace})
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	var tenants []string
	assert.NilError(t, c.Replay(func(r *record.Record) { tenants = append(tenants, r.Tenant) }))
	return c, tenants, trace
}

// A tenant id the records cannot hold is refused, its call kept without a
// tenant; with some calls of no tenant the trace has no tenant column.
// Both are said (the logs part's notes, its table), not left to be guessed.
func TestRefusedTenantIDsAreSaid(t *testing.T) {
	c, tenants, trace := readTenants(t, []string{"acme", "a*b", "globex", ""}, streamA)
	assert.Check(t, is.DeepEqual(tenants, []string{"acme", "", "globex", ""}))
	assert.Check(t, !c.HasTenants())
	logs := c.Logs()
	assert.Assert(t, is.Len(logs.Notes, 2))
	assert.Check(t, is.Contains(logs.Notes[0], `1 tenant ids refused, their calls kept without a tenant (the first: event 2 in stream `))
	assert.Check(t, is.Contains(logs.Notes[0], `character 2 is '*'`))
	assert.Check(t, is.Equal(logs.Notes[1], "2 of the 4 calls carried a tenant id: the trace has no tenant column, the summary no tenants part (a trace's tenants are every call's or none)"))
	var b strings.Builder
	assert.NilError(t, logs.WriteTable(&b))
	assert.Check(t, is.Contains(b.String(), "  2 of the 4 calls carried a tenant id"))
	raw, err := os.ReadFile(trace)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(strings.Split(string(raw), "\n")[1], "time,duration_ms"))
}

// A stray line among JSON Lines (a shell's message, a line cut in two by
// an editor) is one malformed event, not the end of the export.
func TestAStrayLineAmongJSONLinesIsAMalformedEvent(t *testing.T) {
	lines := twoCalls()
	content := lines[0] + "\n" + `bash: aws: command not found` + "\n" + `"message": "tail of a line"}` + "\n" + lines[1] + "\n"
	c, recs := readAll(t, writeFile(t, "export.jsonl", content), Options{})
	assert.Check(t, is.Len(recs, 2))
	assert.Check(t, is.Equal(c.Logs().Skipped[reasonMalformedEvent], int64(2)))
	assert.Check(t, is.Contains(strings.Join(c.Logs().Bad, "\n"), "event 1: byte "))
}
