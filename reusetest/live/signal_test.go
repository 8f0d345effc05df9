package live

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// Environment of the child run in TestLiveSurvivesSIGKILL.
const (
	childLogEnv     = "LAMBDA_REUSE_TEST_CHILD_LOG"
	childURLEnv     = "LAMBDA_REUSE_TEST_CHILD_URL"
	childLateEnv    = "LAMBDA_REUSE_TEST_CHILD_LATE" // "1": lateNotSkipped
	childHandlerEnv = "LAMBDA_REUSE_TEST_CHILD_HANDLER_MS"
)

var killPlan = schedule.Steady{Calls: 1000, RatePerSec: 400, HandlerMS: 200}

// lateNotSkipped sends a slot the scheduler reaches late (a loaded
// machine) late rather than skipping it, so TestLiveSurvivesSIGKILL's runs
// have no skipped call, whatever the load, and its counts are exact. (The
// SIGINT tests keep the default: a starved run that sent its overdue calls
// all at once would have none left in flight to stop.)
var lateNotSkipped = runner.Options{MaxLateness: time.Hour}

// TestLiveChildRun is the child of the signal tests: it runs the kill plan
// (with the handler its parent asks for) against the URL it is given, with
// signals wired as in TestLiveExperiment. Alone, it skips.
func TestLiveChildRun(t *testing.T) {
	logPath, url := os.Getenv(childLogEnv), os.Getenv(childURLEnv)
	if logPath == "" {
		t.Skip("the child process of the signal tests")
	}
	plan := killPlan
	if ms, err := strconv.ParseInt(os.Getenv(childHandlerEnv), 10, 64); err == nil {
		plan.HandlerMS = ms
	}
	caller, _, err := NewCaller(t.Context(), urlEnv(url), plan.HandlerMS)
	assert.NilError(t, err)
	ctx, stop, release := handleSignals(t.Context(), os.Stdout)
	defer release()
	var opts runner.Options
	if os.Getenv(childLateEnv) == "1" {
		opts = lateNotSkipped
	}
	_, res, err := (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Options: opts, Out: os.Stdout}).Run(ctx, stop)
	assert.NilError(t, err)
	fmt.Printf("child: stopped %v, next %d\n", res.Stopped, res.Next)
}

// startChild runs TestLiveChildRun in a child process and waits until its
// log holds at least `records` records.
func startChild(t *testing.T, url, logPath string, handlerMS int64, records int, env ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^TestLiveChildRun$", "-test.timeout=1m")
	child.Env = append(os.Environ(), childLogEnv+"="+logPath, childURLEnv+"="+url,
		childHandlerEnv+"="+strconv.FormatInt(handlerMS, 10))
	child.Env = append(child.Env, env...)
	out := &syncBuffer{}
	child.Stdout, child.Stderr = out, out
	assert.NilError(t, child.Start())
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for countLines(logPath)-1 < records {
		assert.Assert(t, time.Now().Before(deadline), "child wrote no records:\n%s", out.String())
		time.Sleep(10 * time.Millisecond)
	}
	return child, out
}

// TestLiveStopsOnSIGINT sends a run one SIGINT: it stops scheduling, lets
// the calls in flight finish, and exits cleanly with every scheduled call
// recorded once and answered. Two SIGINTs cancel the calls in flight, which
// are recorded as cancelled.
func TestLiveStopsOnSIGINT(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs child processes; skipped in -short mode")
	}
	_, url := startSim(t, lambdasim.Faults{})
	for _, tc := range []struct {
		name      string
		handlerMS int64 // at the simulator's 100x, a tenth of it in real time
		signals   int
	}{{"drain", 5_000, 1}, {"cancel", 60_000, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			child, out := startChild(t, url, logPath, tc.handlerMS, 100)
			for range tc.signals {
				assert.NilError(t, child.Process.Signal(syscall.SIGINT))
				time.Sleep(50 * time.Millisecond)
			}
			assert.NilError(t, child.Wait(), "a stopped run exits cleanly:\n%s", out.String())
			assert.Check(t, is.Contains(out.String(), "stopping; draining calls in flight"))
			assert.Check(t, is.Contains(out.String(), "child: stopped true"))

			_, perSeq, recs := logCounts(t, logPath)
			next := 0
			for seq, n := range perSeq {
				if n > 0 {
					next = seq + 1
				}
			}
			assert.Check(t, next < len(perSeq), "stopped before the end")
			for seq := range next {
				assert.Assert(t, is.Equal(perSeq[seq], 1), "seq %d has %d records", seq, perSeq[seq])
			}
			byStatus := map[record.Status]int{}
			for _, r := range recs {
				byStatus[r.Status]++
			}
			if tc.signals == 1 {
				assert.Check(t, is.DeepEqual(byStatus, map[record.Status]int{record.StatusOK: next}), "drained: every call answered")
			} else {
				assert.Check(t, is.Contains(out.String(), "cancelling calls in flight"))
				assert.Check(t, byStatus[record.StatusCancelled] > 0, "%v", byStatus)
			}
		})
	}
}

// TestLiveSurvivesSIGKILL kills a run mid-way with SIGKILL (no chance to
// flush or clean up), resumes it from its log, and checks the log holds
// every seq exactly once.
func TestLiveSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a child process; skipped in -short mode")
	}
	sim, url := startSim(t, lambdasim.Faults{})
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	// Kill it once a few hundred records are on disk, mid-run.
	child, _ := startChild(t, targetEnv(t, "http", url)(EnvURL), logPath, killPlan.HandlerMS, 200, childLateEnv+"=1")
	// While it runs, the log is its alone: another run is refused, and told
	// which process holds it.
	_, _, err := recordlog.Open(logPath, killPlan, "x", time.Now(), nil)
	assert.Check(t, errors.Is(err, recordlog.ErrLogInUse), "%v", err)
	if _, statErr := os.Stat("/proc/locks"); statErr == nil {
		assert.Check(t, is.ErrorContains(err, fmt.Sprintf("(process %d)", child.Process.Pid)))
	}
	assert.NilError(t, child.Process.Signal(syscall.SIGKILL))
	err = child.Wait()
	assert.Check(t, is.ErrorContains(err, "killed"))
	killedAt := countLines(logPath) - 1 // less the header
	assert.Check(t, killedAt < int(killPlan.Calls), "killed mid-run, %d records", killedAt)

	// The killed run's lock died with it: the resume is not blocked.
	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), killPlan.HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	sum, _, err := (&Live{Schedule: killPlan, Caller: caller, LogPath: logPath, Options: lateNotSkipped, Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(out.String(), "resuming "))

	_, perSeq, recs := logCounts(t, logPath) // refuses a duplicate seq
	for seq, n := range perSeq {
		assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
	assert.Check(t, is.Equal(sum.Requests.Total, killPlan.Calls))
	// Calls in flight at the kill have no answer on record: they are
	// cancelled now, and everything else was served.
	var served int64
	for _, n := range sim.Counts().Calls {
		served += n
	}
	lost := sum.Requests.ByStatus[record.StatusCancelled]
	assert.Check(t, is.Equal(sum.Requests.OK+lost, killPlan.Calls), "%v", sum.Requests.ByStatus)
	assert.Check(t, served >= sum.Requests.OK, "the server served every ok call")
	for _, r := range recs {
		if r.Status == record.StatusCancelled {
			assert.Check(t, is.Contains(r.Error, "earlier run ended"))
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a child's output and a test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		n++
	}
	return n
}
