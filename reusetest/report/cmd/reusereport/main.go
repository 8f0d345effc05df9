// Command reusereport writes a report folder from a run's record log, or
// compares two summaries side by side.
//
//	go run ./reusetest/report/cmd/reusereport -log out/live/TARGET.jsonl -out report/
//	go run ./reusetest/report/cmd/reusereport -compare baseline.json today.json
//	go run ./reusetest/report/cmd/reusereport -fit out/live/TARGET.jsonl -out profile.json
//
// With -compare it prints a Markdown table of every metric (both values,
// the ratio, the tolerance and the verdict) and exits 1 if any judged
// metric drifted. With -fit it estimates a profile from the log (package
// fit) and writes it as a profile file that -reuse.profile, simlambda and
// lambdahost take; what the log could not tell keeps -base's values.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"

	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

func main() {
	logPath := flag.String("log", "", "a run's record log (JSON Lines)")
	out := flag.String("out", "", "the report folder to write (with -log)")
	compare := flag.Bool("compare", false, "compare two summary files: BASE GOT")
	fitLog := flag.String("fit", "", "fit a profile to a run's record log; -out names the profile file to write")
	base := flag.String("base", fit.DefaultPredictProfile, "with -fit: the profile whose values the log cannot tell are kept")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: reusereport -log LOG -out DIR\n       reusereport -compare BASE.json GOT.json\n       reusereport -fit LOG -out PROFILE.json [-base PROFILE]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	switch {
	case *compare && flag.NArg() == 2:
		os.Exit(compareSummaries(os.Stdout, flag.Arg(0), flag.Arg(1)))
	case *fitLog != "" && *out != "" && *logPath == "" && flag.NArg() == 0:
		if err := fitToFile(os.Stdout, *fitLog, *out, *base); err != nil {
			fail(err)
		}
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

// fitToFile fits a profile to the log and writes it to out (whole, or not
// at all), saying what was fitted and what kept.
func fitToFile(w io.Writer, logPath, out, base string) error {
	start := time.Now()
	f, err := fit.FromLog(logPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "read %s in %v; fitting (a few simulations of its schedule)\n", logPath, time.Since(start).Round(time.Millisecond))
	res, err := f.Fit(context.Background(), fit.Options{Base: base, From: filepath.Base(logPath)})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(out, res.Profile.File); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(res.Fitted)) {
		fmt.Fprintf(w, "fitted %s: %s\n", k, res.Fitted[k])
	}
	for _, k := range slices.Sorted(maps.Keys(res.Kept)) {
		fmt.Fprintf(w, "kept   %s: %s\n", k, res.Kept[k])
	}
	fmt.Fprintf(w, "profile written to %s in %v (run it: go test ./reusetest -run TestSeedExperiment -v -reuse.profile=%s)\n",
		out, time.Since(start).Round(time.Millisecond), out)
	return nil
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
