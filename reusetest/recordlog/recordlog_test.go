package recordlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

var (
	plan = schedule.Steady{Calls: 10, RatePerSec: 10, HandlerMS: 500}
	t0   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func rec(seq int64) *record.Record {
	at := t0.Add(plan.Due(seq))
	return &record.Record{Seq: seq, Scheduled: at, Sent: at, Done: at.Add(time.Second), Status: record.StatusOK,
		InstanceID: "i" + string(rune('a'+seq%3)), Invocation: seq/3 + 1}
}

func writeLog(t *testing.T, path string, seqs ...int64) State {
	t.Helper()
	w, st, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	for _, s := range seqs {
		assert.NilError(t, w.Append(rec(s)))
	}
	assert.NilError(t, w.Close())
	return st
}

func TestResumeContinuesAfterTheLastRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	st := writeLog(t, path, 0, 1, 2, 4) // 3 was in flight when the run died
	assert.Check(t, is.Equal(st.Count, int64(0)), "a new log holds nothing")

	var seen []int64
	w, st, err := Open(path, plan, "https://example.test/", t0.Add(time.Hour), func(r *record.Record) { seen = append(seen, r.Seq) })
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	assert.Check(t, is.DeepEqual(seen, []int64{0, 1, 2, 4}))
	assert.Check(t, is.Equal(st.Count, int64(4)))
	assert.Check(t, is.Equal(st.Next, int64(5)))
	assert.Check(t, is.Equal(st.Segments, 1))
	assert.Check(t, is.DeepEqual(st.Missing(), []int64{3}))
	assert.Check(t, st.Scheduled(3).Equal(t0.Add(300*time.Millisecond)), "dated from the segment's start")
}

func TestCutOffLastLineIsDroppedBeforeAppending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	writeLog(t, path, 0, 1)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	assert.NilError(t, err)
	_, err = f.WriteString(`{"seq":2,"scheduled":"2026-11-01T00:0`) // killed mid-write
	assert.NilError(t, err)
	assert.NilError(t, f.Close())

	w, st, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(st.Next, int64(2)), "the cut-off record does not count")
	assert.NilError(t, w.Append(rec(2)))
	assert.NilError(t, w.Close())

	f, err = os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	st, _, err = Read(f, nil, nil)
	assert.NilError(t, err, "the log is whole again")
	assert.Check(t, is.Equal(st.Count, int64(3)))
	assert.Check(t, is.Equal(st.Segments, 2))
}

func TestAnotherPlanIsRefusedAndNothingWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	writeLog(t, path, 0, 1)
	before, err := os.ReadFile(path)
	assert.NilError(t, err)
	other := plan
	other.RatePerSec = 20
	_, _, err = Open(path, other, "https://example.test/", t0, nil)
	assert.Check(t, errors.Is(err, ErrLogMismatch))
	assert.Check(t, is.ErrorContains(err, "the log has 10 calls at 10/s, handler 500 ms"))
	assert.Check(t, is.ErrorContains(err, "this run has 10 calls at 20/s"))
	_, _, err = Open(path, plan, "https://other.test/", t0, nil)
	assert.Check(t, errors.Is(err, ErrLogMismatch), "another target is refused too")
	after, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(after), string(before)))
}

func TestReadRejectsACorruptLog(t *testing.T) {
	for name, content := range map[string]string{
		"record before header": `{"seq":0,"scheduled":"2026-11-01T00:00:00Z","status":"ok"}` + "\n",
		"garbage mid-file":     "not json\n{}\n",
	} {
		_, _, err := Read(strings.NewReader(content), nil, nil)
		assert.Check(t, err != nil, name)
	}
	path := filepath.Join(t.TempDir(), "run.jsonl")
	writeLog(t, path, 0, 1, 1)
	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	_, _, err = Read(f, nil, nil)
	assert.Check(t, is.ErrorContains(err, "seq 1 recorded twice"))
}

func TestReplayCoversEverySegment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	writeLog(t, path, 0, 1, 2, 3, 4)
	w, _, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	for s := int64(5); s < 10; s++ {
		assert.NilError(t, w.Append(rec(s)))
	}
	assert.NilError(t, w.Close())

	var replayed *summary.Summarizer
	err = Replay(path, func(h *Header, sched schedule.Schedule) func(*record.Record) {
		assert.Check(t, is.Equal(h.Segment, 0), "started with the first header")
		assert.Check(t, is.DeepEqual(sched.Spec(), plan.Spec()))
		replayed = summary.NewSummarizer(schedule.Steady(h.Plan), h.Target, nil)
		return replayed.Add
	})
	assert.NilError(t, err)
	got := replayed.Summary()
	direct := summary.NewSummarizer(plan, "https://example.test/", nil)
	for s := int64(0); s < 10; s++ {
		direct.Add(rec(s))
	}
	assert.Check(t, is.DeepEqual(got, direct.Summary()), "both segments, same summary as the records")
	assert.Check(t, is.Equal(got.Instances.Count, 3))

	err = Replay(filepath.Join(t.TempDir(), "missing.jsonl"), nil)
	assert.Check(t, err != nil)
}

// TestSchemaV1LogsStillRead writes a log as the first version did (a plan
// in its header, no schedule): it reads as a steady schedule, and resumes.
func TestSchemaV1LogsStillRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.jsonl")
	v1 := `{"header":{"schema":"lambda-reuse/log/v1","segment":0,"plan":{"calls":10,"rate_per_sec":10,"handler_ms":500},` +
		`"target":"https://example.test/","started":"2026-11-01T00:00:00Z","first_seq":0}}` + "\n" +
		`{"seq":0,"scheduled":"2026-11-01T00:00:00Z","sent":"2026-11-01T00:00:00Z","done":"2026-11-01T00:00:01Z","status":"ok","instance_id":"ia","invocation":1}` + "\n"
	assert.NilError(t, os.WriteFile(path, []byte(v1), 0o644))

	// Another schedule of the same plan is refused, the log untouched.
	_, _, err := Open(path, schedule.NewPoisson(plan.Plan(), 1), "https://example.test/", t0, nil)
	assert.Check(t, errors.Is(err, ErrLogMismatch))
	assert.Check(t, is.ErrorContains(err, "the log has 10 calls at 10/s, handler 500 ms"))
	got, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(got), v1))

	w, st, err := Open(path, plan, "https://example.test/", t0.Add(time.Hour), nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Append(rec(1)))
	assert.NilError(t, w.Close())
	assert.Check(t, is.Equal(st.Count, int64(1)))
	assert.Check(t, is.DeepEqual(st.Schedule.Spec(), plan.Spec()))

	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	var schemas []string
	st, _, err = Read(f, func(h *Header, s schedule.Schedule) {
		schemas = append(schemas, h.Schema)
		assert.Check(t, is.DeepEqual(s.Spec(), plan.Spec()))
	}, nil)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(schemas, []string{schemaV1, Schema}))
	assert.Check(t, is.Equal(st.Count, int64(2)))
}

func TestAPoissonLogResumesOnItsOwnSchedule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	sched := schedule.NewPoisson(plan.Plan(), 9)
	w, _, err := Open(path, sched, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Append(rec(0)))
	assert.NilError(t, w.Append(rec(2)))
	assert.NilError(t, w.Close())

	_, _, err = Open(path, plan, "https://example.test/", t0, nil)
	assert.Check(t, errors.Is(err, ErrLogMismatch), "the steady schedule of the same plan is another schedule")
	w, st, err := Open(path, schedule.NewPoisson(plan.Plan(), 9), "https://example.test/", t0.Add(time.Hour), nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	assert.Check(t, is.DeepEqual(st.Missing(), []int64{1}))
	assert.Check(t, st.Scheduled(1).Equal(t0.Add(sched.Due(1))), "lost slots dated on the log's schedule")
}

func TestOneWriterAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	w, _, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Append(rec(0)))
	assert.NilError(t, w.Sync())
	before, err := os.ReadFile(path)
	assert.NilError(t, err)

	// A second run on the same log is refused at once, and writes nothing.
	_, _, err = Open(path, plan, "https://example.test/", t0, nil)
	assert.Check(t, errors.Is(err, ErrLogInUse), "%v", err)
	assert.Check(t, is.ErrorContains(err, "in use by another run"))
	if _, statErr := os.Stat("/proc/locks"); statErr == nil {
		assert.Check(t, is.ErrorContains(err, fmt.Sprintf("(process %d)", os.Getpid())))
	}
	after, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(after), string(before)), "the refused run touched the log")

	// The first run goes on; once it closes, the log is free.
	assert.NilError(t, w.Append(rec(1)))
	assert.NilError(t, w.Close())
	w, st, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	assert.Check(t, is.Equal(st.Count, int64(2)))
}

// TestHostileLogsAreBounded: a header claiming a trillion calls reads in
// memory that follows its records; a line past maxLine, with or without
// its newline, is an error naming the line, not an empty log; records
// that leave more than maxMissing seqs below them without a record are
// refused.
func TestHostileLogsAreBounded(t *testing.T) {
	dir := t.TempDir()
	huge := schedule.Steady{Calls: 1_000_000_000_000, RatePerSec: 10_000, HandlerMS: 500} // 3.2 years
	path := filepath.Join(dir, "huge.jsonl")
	w, _, err := Open(path, huge, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	for seq := range int64(3) {
		assert.NilError(t, w.Append(rec(seq)))
	}
	assert.NilError(t, w.Close())
	var n int
	assert.NilError(t, Replay(path, func(*Header, schedule.Schedule) func(*record.Record) { return func(*record.Record) { n++ } }))
	assert.Check(t, is.Equal(n, 3))

	head, err := os.ReadFile(path)
	assert.NilError(t, err)
	for _, tail := range []string{strings.Repeat("x", maxLine+1), strings.Repeat("x", maxLine+1) + "\n"} {
		long := filepath.Join(dir, "long.jsonl")
		assert.NilError(t, os.WriteFile(long, append(head, tail...), 0o644))
		err := Replay(long, func(*Header, schedule.Schedule) func(*record.Record) { return func(*record.Record) {} })
		assert.Check(t, is.ErrorContains(err, "line 5: longer than"))
	}

	gap := filepath.Join(dir, "gap.jsonl")
	w, _, err = Open(gap, huge, "https://example.test/", t0, nil)
	assert.NilError(t, err)
	assert.NilError(t, w.Append(rec(maxMissing+5)))
	assert.NilError(t, w.Close())
	err = Replay(gap, func(*Header, schedule.Schedule) func(*record.Record) { return func(*record.Record) {} })
	assert.Check(t, is.ErrorContains(err, "without a record"))
}

// TestHostileRecordsAreRefusedAsRead: a header whose plan would outlast the
// bound on durations (a trillion calls at 10/s), and records whose fields
// no run gives (calls at once past the environment's capacity, or past the
// plan's calls; a negative capacity; a scale no served pool declares; a
// time past 2262), are refused as the log is read, naming the line, the
// field, its value and the range.
func TestHostileRecordsAreRefusedAsRead(t *testing.T) {
	header := func(calls int64, rate float64) string {
		return fmt.Sprintf(`{"header":{"schema":"lambda-reuse/log/v2","segment":0,"schedule":{"kind":"steady","calls":%d,"rate_per_sec":%g,"handler_ms":500},"plan":{"calls":%d,"rate_per_sec":%g,"handler_ms":500},"target":"t","started":"2026-01-01T00:00:00Z","first_seq":0}}`+"\n", calls, rate, calls, rate)
	}
	line := func(fields string) string {
		return `{"seq":0,"scheduled":"2026-01-01T00:00:00Z","sent":"2026-01-01T00:00:00Z","done":"2026-01-01T00:00:01Z","status":"ok","instance_id":"a","invocation":1` + fields + "}\n"
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"a trillion calls at 10/s", header(1e12, 10), []string{"line 1", "1000000000000 calls at 10/s would last 3.17e+03 years", "at most 87600h0m0s"}},
		{"in_flight 10^12", header(100, 10) + line(`,"in_flight":1000000000000`), []string{"line 2: seq 0: in_flight 1000000000000: more calls at once than the plan's 100 calls"}},
		{"in_flight past the capacity", header(100, 10) + line(`,"in_flight":1000,"max_concurrency":64`), []string{"line 2: seq 0: in_flight 1000: above the max_concurrency 64 its environment said"}},
		{"a negative capacity", header(100, 10) + line(`,"in_flight":17,"max_concurrency":-64`), []string{"line 2: seq 0: max_concurrency -64: at least 1 when given"}},
		{"in_flight below 1", header(100, 10) + line(`,"in_flight":-3`), []string{"in_flight -3: at least 1"}},
		{"a scale of 1e308", header(100, 10) + line(`,"scale":1e308`), []string{"line 2: seq 0: scale 1e+308: a served pool declares a time scale from 0.001 to 100000"}},
		{"a scale of 1e-9", header(100, 10) + line(`,"scale":1e-9`), []string{"scale 1e-09"}},
		{"a time past 2262", header(100, 10) + `{"seq":0,"scheduled":"2026-01-01T00:00:00Z","sent":"2026-01-01T00:00:00Z","done":"9999-01-01T00:00:00Z","status":"ok","instance_id":"a"}` + "\n", []string{"done 9999-01-01T00:00:00Z: a record's times are from 1970 to 2262"}},
		{"a negative invocation", header(100, 10) + `{"seq":0,"scheduled":"2026-01-01T00:00:00Z","status":"ok","invocation":-2}` + "\n", []string{"invocation -2"}},
		{"memory of 1e300 MB", header(100, 10) + line(`,"memory_used_mb":1e300`), []string{"line 2: seq 0: memory_used_mb 1e+300: from 0 to 102400 MB"}},
		{"a negative memory size", header(100, 10) + line(`,"memory_used_mb":-1,"memory_size_mb":-512`), []string{"memory_used_mb -1", "memory_size_mb -512: from 0 to 102400 MB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(tc.log), nil, nil)
			for _, w := range tc.want {
				assert.Check(t, is.ErrorContains(err, w))
			}
		})
	}
	ok := header(100, 10) + line(`,"in_flight":17,"max_concurrency":64,"scale":100`)
	st, _, err := Read(strings.NewReader(ok), nil, nil)
	assert.NilError(t, err, "a record of Managed Instances at a time scale, in range")
	assert.Check(t, is.Equal(st.Count, int64(1)))
}

// FuzzReadLog: any bytes as a record log give its state or an error,
// never a panic or memory sized by a header's claim.
func FuzzReadLog(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.jsonl")
	w, _, err := Open(path, plan, "https://example.test/", t0, nil)
	assert.NilError(f, err)
	for seq := range int64(4) {
		assert.NilError(f, w.Append(rec(seq)))
	}
	assert.NilError(f, w.Close())
	valid, err := os.ReadFile(path)
	assert.NilError(f, err)
	f.Add(valid)
	header := func(spec string) []byte {
		return []byte(`{"header":{"schema":"lambda-reuse/log/v2","segment":0,"schedule":` + spec + `,"plan":{"calls":1,"rate_per_sec":1,"handler_ms":0},"target":"t","started":"2026-01-01T00:00:00Z","first_seq":0}}` + "\n")
	}
	f.Add(append(header(`{"kind":"steady","calls":1000000000000,"rate_per_sec":10,"handler_ms":500}`), valid[bytes.IndexByte(valid, '\n')+1:]...))
	f.Add(header(`{"kind":"burst","calls":1,"rate_per_sec":1,"handler_ms":0,"size":10,"rounds":1000000000000,"pause_ms":1000}`))
	f.Add(header(`{"kind":"idle","calls":1,"rate_per_sec":1,"handler_ms":500,"size":10,"rounds":1000000000,"gaps_ms":[1000,2000]}`))
	f.Add(header(`{"kind":"idle","calls":1,"rate_per_sec":1,"handler_ms":500,"size":10,"rounds":1,"gaps_ms":[9223372036854775807]}`))
	f.Add(append(header(`{"kind":"steady","calls":10,"rate_per_sec":10,"handler_ms":500}`), []byte(`{"seq":9,"scheduled":"2026-01-01T00:00:00Z","status":"ok"}`+"\n")...))
	f.Add(append(header(`{"kind":"steady","calls":100,"rate_per_sec":10,"handler_ms":500}`),
		`{"seq":0,"scheduled":"2026-01-01T00:00:00Z","sent":"2026-01-01T00:00:00Z","done":"2026-01-01T00:00:01Z","status":"ok","instance_id":"a","invocation":1,"in_flight":17,"max_concurrency":64,"scale":100}`+"\n"+
			`{"seq":1,"scheduled":"2026-01-01T00:00:00Z","sent":"2026-01-01T00:00:05Z","done":"2026-01-01T00:00:01Z","status":"throttled","instance_id":"a","invocation":1}`+"\n"...))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var sum *summary.Summarizer
		onHeader := func(h *Header, s schedule.Schedule) {
			if sum == nil {
				sum = summary.NewSummarizer(s, h.Target, nil)
			}
		}
		st, _, err := Read(bytes.NewReader(doc), onHeader, func(r *record.Record) { sum.Add(r) })
		if err != nil {
			return
		}
		assert.Assert(t, st.Count >= 0 && st.Next >= st.Count && st.Next-st.Count <= maxMissing, "%+v", st)
		assert.Assert(t, int64(len(st.Missing())) == st.Next-st.Count)
		if sum != nil {
			// Whatever a log that reads holds, its summary is possible.
			assert.NilError(t, sum.Summary().Check())
		}
	})
}
