package report

import (
	"cmp"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// A history is a folder of nights' summaries, one file per night and
// configuration: CONFIG/YYYY-MM-DD.summary.json (CONFIG may have folders of
// its own, e.g. eu-west-1/arm64-128mb). The nightly job keeps one on a data
// branch; any folder in that shape makes a trend.

// summarySuffix ends a night's summary file name.
const summarySuffix = ".summary.json"

// Night is one night's summary in a history.
type Night struct {
	// Config names the configuration (the folder under the history).
	Config string
	// Date is the night, YYYY-MM-DD.
	Date    string
	Summary summary.Summary
}

// ReadHistory reads every night under dir, by configuration then date. A
// night that cannot be read (not a summary, or a name that is not a date)
// is skipped: skipped names each such file and why, so one bad night
// never stops the judgement of every other night and cell. The error is
// for a history that cannot be read at all.
func ReadHistory(dir string) (nights []Night, skipped []error, err error) {
	err = walkSummaries(dir, func(path, folder, name string) {
		if _, err := time.Parse(time.DateOnly, name); err != nil {
			skipped = append(skipped, fmt.Errorf("history %s: skipped: the file name must be YYYY-MM-DD%s", path, summarySuffix))
			return
		}
		s, err := summary.ReadSummary(path)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("history: skipped: %w", err))
			return
		}
		nights = append(nights, Night{Config: folder, Date: name, Summary: s})
	})
	if err != nil {
		return nil, skipped, err
	}
	sortNights(nights)
	return nights, skipped, nil
}

// walkSummaries calls f for every summary file under dir (its name ending
// in summarySuffix) with its path, its folder under dir ("." for dir
// itself, in slash form) and its name without the suffix. The error is
// for a folder that cannot be walked.
func walkSummaries(dir string, f func(path, folder, name string)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), summarySuffix) {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		f(path, filepath.ToSlash(rel), strings.TrimSuffix(d.Name(), summarySuffix))
		return nil
	})
}

// sortNights puts nights in the order trends read them: by configuration,
// then date.
func sortNights(nights []Night) {
	slices.SortStableFunc(nights, func(a, b Night) int { return cmp.Or(cmp.Compare(a.Config, b.Config), cmp.Compare(a.Date, b.Date)) })
}

// byConfig splits nights by configuration, each night by night (in any
// order given; ReadHistory's is already so).
func byConfig(nights []Night) [][]Night {
	nights = slices.Clone(nights)
	sortNights(nights)
	var out [][]Night
	for i := 0; i < len(nights); {
		j := i
		for j < len(nights) && nights[j].Config == nights[i].Config {
			j++
		}
		out = append(out, nights[i:j])
		i = j
	}
	return out
}
