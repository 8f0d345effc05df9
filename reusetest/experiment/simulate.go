package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Outputs say where a run's files go; "" writes none of that file.
type Outputs struct {
	// Summary is the summary JSON's path.
	Summary string
	// Report is the report folder (report.md and the charts).
	Report string
	// Log is a new record log of a simulated run (it must not exist).
	Log string
}

// Simulated is a simulated run's result.
type Simulated struct {
	Summary summary.Summary
	// JSON is the summary as written (MarshalSummary).
	JSON []byte
	// Stats are what the model did that records cannot show.
	Stats lambdasim.Stats
}

// Simulate runs schedule against the simulated pool under the flags'
// model, in one pass over its records feeding the summary (and the
// report's charts, and the record log, when asked), prints the results
// table and the kind's tables to w, and writes the outputs.
func Simulate(ctx context.Context, w io.Writer, f *Flags, schedule schedule.Schedule, out Outputs) (Simulated, error) {
	if err := f.Unused(false); err != nil {
		return Simulated{}, err
	}
	sim, err := f.SimulationOf(schedule)
	if err != nil {
		return Simulated{}, err
	}
	summarizer := summary.NewSummarizer(schedule, "simulator", sim.Describe())
	emit := summarizer.Add
	var charts *report.Collector
	if out.Report != "" {
		charts = report.NewCollector(summarizer, schedule)
		emit = charts.Add
	}
	var log *SimLog
	if out.Log != "" {
		if log, err = createSimLog(out.Log, schedule); err != nil {
			return Simulated{}, err
		}
		analyse := emit
		emit = func(r *record.Record) { log.Add(r); analyse(r) }
	}
	var stats lambdasim.Stats
	if charts == nil && log == nil {
		stats, err = sim.SummarizeInto(ctx, summarizer) // nothing else reads the records
	} else {
		stats, err = sim.Run(ctx, emit)
	}
	if log != nil {
		if cerr := log.Close(err == nil); err == nil && cerr != nil {
			err = cerr
		} else if err == nil {
			fmt.Fprintf(w, "record log written to %s (fit it: go run ./reusetest/report/cmd/reusereport -fit %s -out fitted.json)\n", out.Log, out.Log)
		}
	}
	if err != nil {
		return Simulated{}, err
	}
	res := Simulated{Summary: summarizer.Summary(), Stats: stats}
	if res.JSON, err = summary.MarshalSummary(res.Summary); err != nil {
		return Simulated{}, err
	}
	fmt.Fprintln(w)
	err = errors.Join(metric.WriteTable(w, res.Summary), summary.WriteExperimentTables(w, res.Summary))
	// What the model did that records cannot show (an environment that
	// stopped serving may have idled out or reached its maximum lifetime).
	provisioned, scaled := "", ""
	if stats.Provisioned > 0 {
		provisioned = fmt.Sprintf(", %d provisioned", stats.Provisioned)
	}
	if stats.ScaledUp > 0 {
		scaled = fmt.Sprintf(", by the scaler %d (Managed Instances; %d scaled down)", stats.ScaledUp, stats.ScaledDown)
	}
	fmt.Fprintf(w, "simulated pool: %d environments started (%d proactively%s%s); retired for idleness %d, for age %d; %d calls throttled\n",
		stats.Started, stats.Proactive, provisioned, scaled, stats.Retired[lambdasim.CauseIdle], stats.Retired[lambdasim.CauseLifetime], stats.Throttled)
	if err != nil {
		return res, err
	}
	if charts != nil {
		paths, err := report.Write(out.Report, charts)
		if err != nil {
			return res, err
		}
		fmt.Fprintf(w, "report written to %s\n", filepath.Join(out.Report, report.ReportFile))
		for _, p := range paths {
			fmt.Fprintf(w, "  chart %s\n", p)
		}
	}
	if out.Summary != "" {
		if err := atomicfile.Write(out.Summary, res.JSON); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "summary written to %s\n", out.Summary)
	}
	return res, nil
}
