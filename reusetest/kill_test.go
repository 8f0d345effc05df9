package reusetest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// Environment of the child run in TestLiveSurvivesSIGKILL.
const (
	childLogEnv = "LAMBDA_REUSE_TEST_CHILD_LOG"
	childURLEnv = "LAMBDA_REUSE_TEST_CHILD_URL"
)

var killPlan = reuse.Plan{Calls: 1000, RatePerSec: 400, HandlerMS: 200}

// TestLiveChildRun is the child of TestLiveSurvivesSIGKILL: it runs the
// kill plan against the URL it is given until it is killed. Alone, it skips.
func TestLiveChildRun(t *testing.T) {
	logPath, url := os.Getenv(childLogEnv), os.Getenv(childURLEnv)
	if logPath == "" {
		t.Skip("the child process of TestLiveSurvivesSIGKILL")
	}
	caller, _, err := NewCaller(t.Context(), func(k string) string {
		if k == EnvURL {
			return url
		}
		return ""
	}, killPlan.HandlerMS)
	assert.NilError(t, err)
	(&Live{Plan: killPlan, Caller: caller, LogPath: logPath, Out: os.Stdout}).Run(t.Context(), nil)
}

// TestLiveSurvivesSIGKILL kills a run mid-way with SIGKILL (no chance to
// flush or clean up), resumes it from its log, and checks the log holds
// every seq exactly once.
func TestLiveSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process; skipped in -short mode")
	}
	sim, url := startSim(t, lambdasim.Faults{})
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	child := exec.Command(os.Args[0], "-test.run=^TestLiveChildRun$", "-test.timeout=1m")
	child.Env = append(os.Environ(), childLogEnv+"="+logPath, childURLEnv+"="+targetEnv(t, "http", url)(EnvURL))
	var childOut syncBuffer
	child.Stdout, child.Stderr = &childOut, &childOut
	assert.NilError(t, child.Start())
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })

	// Kill it once a few hundred records are on disk, mid-run.
	deadline := time.Now().Add(30 * time.Second)
	for countLines(logPath) < 200 {
		assert.Assert(t, time.Now().Before(deadline), "child wrote no records:\n%s", childOut.String())
		time.Sleep(20 * time.Millisecond)
	}
	assert.NilError(t, child.Process.Signal(syscall.SIGKILL))
	err := child.Wait()
	assert.Check(t, is.ErrorContains(err, "killed"))
	killedAt := countLines(logPath) - 1 // less the header
	assert.Check(t, killedAt < int(killPlan.Calls), "killed mid-run, %d records", killedAt)

	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), killPlan.HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	sum, _, err := (&Live{Plan: killPlan, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), nil)
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
	lost := sum.Requests.ByStatus[reuse.StatusCancelled]
	assert.Check(t, is.Equal(sum.Requests.OK+lost, killPlan.Calls), "%v", sum.Requests.ByStatus)
	assert.Check(t, served >= sum.Requests.OK, "the server served every ok call")
	for _, r := range recs {
		if r.Status == reuse.StatusCancelled {
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
