package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot/plotter"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestMemoryChartMatchesTheTable: the report of the leak example's logs
// has the memory chart, titled with the table's counts, its axis over the
// memory size, the size drawn at the table's figure and the median growth
// drawn from the table's start to the size at the table's calls to the
// limit; report.md says the answer in words. A run without memory
// readings has no such chart.
func TestMemoryChartMatchesTheTable(t *testing.T) {
	calls, err := lambdalogs.Read(testenv.Testdata(t, "logs", "leak-export.json"), lambdalogs.Options{})
	assert.NilError(t, err)
	defer calls.Close()
	sched, err := calls.Schedule(filepath.Join(t.TempDir(), "trace.csv"))
	assert.NilError(t, err)
	col := NewCollector(summary.NewSummarizer(sched, calls.Target(), nil), sched)
	logs := calls.Logs()
	col.Logs = &logs
	assert.NilError(t, calls.Replay(col.Add))
	sum := col.Summary()
	m := sum.Memory
	assert.Assert(t, m != nil && m.CallsToLimit != nil)
	assert.Check(t, is.Contains(ChartNames(sum), chartMemory))

	p, err := memoryPlot(m, col.Sum().MemoryGenerations())
	assert.NilError(t, err)
	assert.Check(t, is.Contains(p.Title.Text, fmt.Sprintf("%d of the %d of 100 calls or more grow", m.Growing, m.Measured)))
	assert.Check(t, p.Y.Max >= float64(m.SizeMB) && p.X.Max >= m.CallsToLimit.Median)
	median, size := memoryOverlay(m, 10)
	assert.Check(t, is.DeepEqual(median, plotter.XYs{{X: 0, Y: m.StartMB.Median}, {X: m.CallsToLimit.Median, Y: float64(m.SizeMB)}}), "the median growth from the median start to the size")
	assert.Check(t, is.DeepEqual(size, plotter.XYs{{X: 0, Y: float64(m.SizeMB)}, {X: m.CallsToLimit.Median, Y: float64(m.SizeMB)}}), "the memory size, across")

	dir := t.TempDir()
	paths, err := Write(dir, col)
	assert.NilError(t, err)
	checkCharts(t, dir, sum, paths)
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(md), m.Answer()))

	plain, _ := simRun(t, schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 500}, 1)
	assert.Check(t, !slices.Contains(ChartNames(plain), chartMemory))
}

// TestMemoryChartSamplesManyGenerations: past 40 measured generations the
// chart draws every k-th, and says so.
func TestMemoryChartSamplesManyGenerations(t *testing.T) {
	var gens []summary.MemoryGeneration
	for i := range 130 {
		gens = append(gens, summary.MemoryGeneration{ID: fmt.Sprint(i), Measured: true, StartSeen: true, Readings: 200,
			Points: []summary.MemoryPoint{{Calls: 1, MB: 80}, {Calls: 200, MB: 100}}})
	}
	drawn, every, of := memorySample(gens)
	assert.Check(t, is.Equal(every, 4))
	assert.Check(t, is.Equal(of, 130))
	assert.Check(t, is.Len(drawn, 33))
	p, err := memoryPlot(&summary.Memory{Measured: 130}, gens)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(p.Title.Text, "every 4th of 130 runtime generations drawn (33)"))
}

// TestSweepTableShowsFailuresOfMemoryWhatIfs: a sweep whose what-ifs
// carry memory or failures adds what they cost (failed calls,
// out-of-memory failures, resets) to its table; one without keeps its
// columns.
func TestSweepTableShowsFailuresOfMemoryWhatIfs(t *testing.T) {
	plain := summary.Summary{Requests: summary.Requests{Total: 10, OK: 10}}
	failing := summary.Summary{Requests: summary.Requests{Total: 10, OK: 7, Failed: 3, ByError: map[string]int64{"Runtime.OutOfMemory": 3}},
		Instances: summary.Instances{Count: 1, Resets: 2}, Memory: &summary.Memory{SizeMB: 512, OutOfMemory: 3}}
	var b strings.Builder
	assert.NilError(t, WriteSweepTable(&b, []string{"a", "b"}, []summary.Summary{plain, plain}))
	assert.Check(t, !strings.Contains(b.String(), "out-of-memory"), b.String())
	b.Reset()
	assert.NilError(t, WriteSweepTable(&b, []string{"memory 512 MB", "memory 1024 MB"}, []summary.Summary{failing, plain}))
	assert.Check(t, strings.Contains(b.String(), "| requests failed | out-of-memory failures | resets |"), b.String())
	assert.Check(t, strings.Contains(b.String(), "| 3 | 3 | 2 |\n"), b.String())
	assert.Check(t, strings.Contains(b.String(), "| 0 | - | 0 |\n"), b.String())
}
