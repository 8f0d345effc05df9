// Command reusereport writes a report folder from a run's record log, or
// compares two summaries side by side.
//
//	go run ./reusetest/report/cmd/reusereport -log out/live/TARGET.jsonl -out report/
//	go run ./reusetest/report/cmd/reusereport -compare baseline.json today.json
//
// With -compare it prints a Markdown table of every metric (both values,
// the ratio, the tolerance and the verdict) and exits 1 if any judged
// metric drifted.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

func main() {
	logPath := flag.String("log", "", "a run's record log (JSON Lines)")
	out := flag.String("out", "", "the report folder to write (with -log)")
	compare := flag.Bool("compare", false, "compare two summary files: BASE GOT")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: reusereport -log LOG -out DIR\n       reusereport -compare BASE.json GOT.json\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	switch {
	case *compare && flag.NArg() == 2:
		os.Exit(compareSummaries(os.Stdout, flag.Arg(0), flag.Arg(1)))
	case *logPath != "" && *out != "" && flag.NArg() == 0:
		charts, err := report.FromLog(*logPath)
		if err != nil {
			fail(err)
		}
		if _, err := report.Write(*out, charts); err != nil {
			fail(err)
		}
		fmt.Printf("report written to %s\n", filepath.Join(*out, report.ReportFile))
	default:
		flag.Usage()
		os.Exit(2)
	}
}

func compareSummaries(w io.Writer, basePath, gotPath string) int {
	base, err := reuse.ReadSummary(basePath)
	if err != nil {
		fail(err)
	}
	got, err := reuse.ReadSummary(gotPath)
	if err != nil {
		fail(err)
	}
	if base.Plan != got.Plan {
		fmt.Fprintf(w, "note: the plans differ (%d calls at %g/s, %d ms vs %d calls at %g/s, %d ms)\n\n",
			base.Plan.Calls, base.Plan.RatePerSec, base.Plan.HandlerMS, got.Plan.Calls, got.Plan.RatePerSec, got.Plan.HandlerMS)
	}
	cs := reuse.Compare(base, got, reuse.Metrics)
	if err := reuse.WriteComparisonMarkdown(w, filepath.Base(basePath), filepath.Base(gotPath), cs); err != nil {
		fail(err)
	}
	if reuse.Drifted(cs) {
		fmt.Fprintln(w, "\nDRIFT: at least one judged metric is out of tolerance")
		return 1
	}
	return 0
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reusereport:", err)
	os.Exit(1)
}
