package probe

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// startRIE runs the Runtime Interface Emulator with bootstrap behind it, on
// loopback only, and returns its invoke URL. Everything it started is
// killed when the test ends, pass or fail.
func startRIE(t *testing.T, rie, bootstrap string) string {
	t.Helper()
	addr, apiAddr := loopback.FreeAddr(t), loopback.FreeAddr(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	// A clean environment plus credential canaries: the emulator passes its
	// whole environment to the function, so a leak would show.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "AWS_REGION=eu-west-1",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"}
	for k, v := range canaries {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	assert.NilError(t, cmd.Start())
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the emulator and the probe under it
		cmd.Wait()
		if t.Failed() {
			t.Logf("emulator output:\n%s", logs.String())
		}
	})
	loopback.WaitListening(t, addr)
	return fmt.Sprintf("http://%s/2015-03-31/functions/function/invocations", addr)
}

func invokeRIE(t *testing.T, url string) Response {
	t.Helper()
	return invokeRIEWith(t, url, `{"sleep_ms": 1}`)
}

func invokeRIEWith(t *testing.T, url, payload string) Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(payload)))
	assert.NilError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	assert.NilError(t, err)
	assert.Assert(t, is.Equal(resp.StatusCode, http.StatusOK), "body: %s", body)
	assertNoCanary(t, body)
	var out Response
	assert.NilError(t, json.Unmarshal(body, &out), "body: %s", body)
	return out
}

// TestProbeUnderRuntimeInterfaceEmulator runs the real bootstrap, built as
// for Lambda, under the AWS Runtime Interface Emulator, one call at a time
// (the emulator crashes on overlapping calls).
func TestProbeUnderRuntimeInterfaceEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the probe and the emulator; skipped in -short mode")
	}
	dir := t.TempDir()
	bootstrap, err := gobuild.Build(dir, "bootstrap", gobuild.Probe)
	assert.NilError(t, err)
	rie, err := gobuild.Build(dir, "aws-lambda-rie", gobuild.RIE)
	assert.NilError(t, err)

	url := startRIE(t, rie, bootstrap)
	first := invokeRIE(t, url)
	assert.Check(t, is.Len(first.InstanceID, 32))
	assert.Check(t, is.Equal(first.Invocation, int64(1)))
	assert.Check(t, is.Equal(first.Region, "eu-west-1"))
	assert.Check(t, is.Equal(first.MemoryMB, 128))
	assert.Check(t, first.RequestID != "", "request id from the Runtime API")
	for want := int64(2); want <= 3; want++ {
		got := invokeRIE(t, url)
		assert.Check(t, is.Equal(got.InstanceID, first.InstanceID), "same environment")
		assert.Check(t, is.Equal(got.Invocation, want))
	}
	// An empty Invoke reaches the function as zero bytes under the emulator
	// (real Lambda passes {}): the probe answers it as a call with no sleep.
	empty := invokeRIEWith(t, url, "")
	assert.Check(t, is.Equal(empty.InstanceID, first.InstanceID), "the environment served it and lives on")
	assert.Check(t, is.Equal(empty.Invocation, int64(4)))
	assert.Check(t, is.Equal(empty.SleptMS, int64(0)))
	// A leak asked through the real runtime grows the process's resident
	// memory, which every answer reports.
	assert.Check(t, empty.RSSMB > 1, "resident memory %v MB", empty.RSSMB)
	var leaked Response
	for range 8 {
		leaked = invokeRIEWith(t, url, `{"leak_kb": 1024}`)
	}
	assert.Check(t, is.Equal(leaked.LeakedKB, 8192.0))
	assert.Check(t, leaked.RSSMB-empty.RSSMB >= 7.5, "8 MB leaked: resident memory %v to %v MB", empty.RSSMB, leaked.RSSMB)

	restarted := invokeRIE(t, startRIE(t, rie, bootstrap))
	assert.Check(t, restarted.InstanceID != first.InstanceID, "a new emulator is a new environment")
	assert.Check(t, is.Equal(restarted.Invocation, int64(1)))
}

// TestBootstrapBuildsForLambda cross-compiles the bootstrap for both Lambda
// architectures, as scripts/deploy.sh will.
func TestBootstrapBuildsForLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the probe; skipped in -short mode")
	}
	for arch, machine := range map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64} {
		t.Run(arch, func(t *testing.T) {
			target := gobuild.Probe
			target.GOOS, target.GOARCH = "linux", arch
			path, err := gobuild.Build(t.TempDir(), "bootstrap", target)
			assert.NilError(t, err)
			f, err := elf.Open(path)
			assert.NilError(t, err)
			defer f.Close()
			assert.Check(t, is.Equal(f.Machine, machine))
			_, err = f.DynamicSymbols()
			assert.Check(t, err != nil, "a static binary (CGO_ENABLED=0) has no dynamic symbols")
		})
	}
}
