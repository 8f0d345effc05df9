package reusetest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	"gotest.tools/v3/golden"
)

var flags = RegisterFlags(flag.CommandLine)

// seedGolden is the golden summary of the default simulated seed
// experiment, at the module root's testdata/.
const seedGolden = "sim-seed.golden.json"

func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := ModuleRoot(".")
	assert.NilError(t, err)
	return root
}

// TestSeedExperiment re-runs the 2021 experiment against the simulated pool
// and prints one results table beside the published figures. With default
// flags it compares the summary with the golden file (go test ./reusetest
// -update rewrites it); with what-if flags it writes the summary to
// -reuse.out instead.
func TestSeedExperiment(t *testing.T) {
	sim, err := flags.Simulation()
	assert.NilError(t, err)
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	got, err := MarshalSummary(sum)
	assert.NilError(t, err)

	fmt.Println()
	assert.NilError(t, reuse.WriteTable(os.Stdout, sum))

	root := moduleRoot(t)
	out := flags.Out
	if out == "" && !flags.IsDefaultSimulation() {
		out = DefaultSimOut(root, *flags)
	}
	if out != "" {
		assert.NilError(t, WriteFileAtomic(out, got))
		fmt.Printf("summary written to %s\n", out)
	}
	if !flags.IsDefaultSimulation() {
		t.Log("what-if flags given: golden comparison skipped")
		return
	}
	golden.Assert(t, string(got), filepath.Join(root, "testdata", seedGolden))
}
