package report

import (
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// calls adds n successful calls of stream (instance id gen) from at, a
// second apart, each taking 100 ms.
func calls(t *Tally, stream, gen string, at time.Time, n int) time.Time {
	for range n {
		t.Add(&record.Record{Status: record.StatusOK, LogStream: stream, InstanceID: gen, Sent: at, Done: at.Add(100 * time.Millisecond)})
		at = at.Add(time.Second)
	}
	return at
}

func TestAgreementOfTwoMeasurements(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	probe, logs := NewTally(), NewTally()
	// Stream a: reset after 3 calls. The probe saw two instance ids, the
	// logs two generations and the failed call in the stream.
	at := calls(probe, "a", "id-1", t0, 3)
	probe.Add(&record.Record{Status: record.StatusError, Sent: at, Done: at})
	calls(probe, "a", "id-2", at.Add(time.Second), 2)
	at = calls(logs, "a", "a#1", t0.Add(20*time.Millisecond), 3)
	logs.Add(&record.Record{Status: record.StatusError, LogStream: "a", InstanceID: "a#1", Sent: at, Done: at})
	calls(logs, "a", "a#2", at.Add(time.Second-20*time.Millisecond), 2)
	calls(probe, "b", "id-3", t0, 4)
	calls(logs, "b", "b#1", t0, 4)

	ag := Compare(probe, logs, [2]string{"the probe's records", "the function's logs"}, true)
	assert.Check(t, ag.Agree() && ag.LifetimesAgree(), "%+v", ag)
	assert.Check(t, is.Equal(ag.Environments, [2]int{2, 2}))
	assert.Check(t, is.Equal(ag.OK, [2]int64{9, 9}))
	assert.Check(t, is.Equal(ag.Failed, [2]int64{1, 1}))
	assert.Check(t, is.Equal(ag.Generations, [2]int64{3, 3}))
	assert.Check(t, is.Equal(ag.Resets, [2]int64{1, 1}))
	assert.Check(t, is.Equal(ag.LifetimeDiff, 20*time.Millisecond))
	var b strings.Builder
	assert.NilError(t, WriteAgreement(&b, ag))
	assert.Check(t, is.Contains(b.String(), "They agree"))
	assert.Check(t, is.Contains(b.String(), "| environments (log streams) | 2 | 2 | agree |"))
	assert.Check(t, is.Contains(b.String(), "| runtime generations (resets) | 3 (1) | 3 (1) | agree |"))
	assert.Check(t, is.Contains(b.String(), "a reset is a new runtime generation in the same environment, a new instance id in the probe's records"))

	// The logs miss a call of b and see a stream c the probe did not.
	logs = NewTally()
	calls(logs, "a", "a#1", t0, 3)
	calls(logs, "a", "a#1", t0.Add(6*time.Second), 2)
	calls(logs, "b", "b#1", t0, 3)
	calls(logs, "c", "c#1", t0.Add(time.Hour), 1)
	ag = Compare(probe, logs, [2]string{"probe", "logs"}, false)
	assert.Check(t, !ag.Agree())
	assert.Check(t, is.DeepEqual(ag.OnlyIn, [2][]string{nil, {lambdalogs.StreamLabel("c")}}))
	assert.Check(t, is.DeepEqual(ag.Differ, []EnvDiff{{Env: lambdalogs.StreamLabel("b"), Calls: [2]int64{4, 3}}}))
	assert.Check(t, !ag.LifetimesAgree(), "a's lifetime: 5.1 s against 7.1 s")
	b.Reset()
	assert.NilError(t, WriteAgreement(&b, ag))
	for _, want := range []string{"**DISAGREE**", "| environments (log streams) | 2 | 3 | **differ** |", "Only in logs: 1 environments: " + lambdalogs.StreamLabel("c"),
		"Successful calls differ in 1 environments (probe, logs): " + lambdalogs.StreamLabel("b") + " 4, 3;", "**more than 1s**"} {
		assert.Check(t, is.Contains(b.String(), want))
	}
	assert.Check(t, !strings.Contains(b.String(), "| a |"), "streams named by their labels")
}
