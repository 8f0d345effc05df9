package lambdalogs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// utf8BOM is the byte order mark some Windows tools write at the start of
// a UTF-8 file (Notepad, PowerShell 7's Out-File -Encoding utf8BOM).
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// errUTF16 refuses an export written as UTF-16: what Windows PowerShell
// 5.1's `>` writes of the AWS CLI's output.
var errUTF16 = errors.New("the file is UTF-16 (as Windows PowerShell 5.1's `>` writes it), not the UTF-8 JSON the AWS CLI prints: " +
	"write it with `aws logs filter-log-events … --output json | Out-File -Encoding utf8 export.json`, or fetch it with -cloudwatch-group")

// skipBOM is r without a UTF-8 byte order mark at its start; a UTF-16 one
// is refused.
func skipBOM(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return nil, errUTF16
	}
	return br, nil
}

// noCallError says why an export gave no call: what its events were
// skipped for, the first few named, and what a file of events without
// stream names is.
func noCallError(logs *summary.LogsRead) error {
	reasons := slices.Sorted(maps.Keys(logs.Skipped))
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%s: %d", r, logs.Skipped[r])
	}
	msg := fmt.Sprintf("no call: %d events read, none a REPORT (or platform.report) of a call that could be used (skipped: %s)", logs.Events, strings.Join(parts, ", "))
	if len(logs.Bad) > 0 {
		msg += "; " + strings.Join(logs.Bad[:min(3, len(logs.Bad))], "; ")
	}
	if n := logs.Skipped[reasonMalformedEvent]; n > 0 && n == logs.Events && len(logs.Bad) > 0 && strings.HasSuffix(logs.Bad[0], ": no logStreamName") {
		msg += "; events without a logStreamName are what `aws logs get-log-events` prints of one stream: export the group with `aws logs filter-log-events`, whose events name their stream (each stream is an environment)"
	}
	return errors.New(msg)
}

// cutShort says of an export that cannot be read past its last byte that
// the file was cut short.
func cutShort(err error, size int64) error {
	if size > 0 && (strings.Contains(err.Error(), fmt.Sprintf("byte %d: ", size)) || strings.Contains(err.Error(), fmt.Sprintf("byte %d: ", size-int64(len(utf8BOM))))) {
		return fmt.Errorf("%w (the file ends there, inside the export: it was cut short, as when the command that wrote it was stopped; export the window again)", err)
	}
	return err
}

// checkSpan refuses calls that span more than a schedule may: their trace
// could not be read back.
func (c *Calls) checkSpan() error {
	if span := c.logs.Last.Sub(c.logs.First); span > schedule.MaxScheduleTime {
		return fmt.Errorf("logs %s: the calls span %.1f years (%s to %s), more than the %.0f years a schedule (their trace) may span: export a shorter window (--start-time, --end-time)",
			c.logs.File, span.Hours()/24/365, c.logs.First.Format(time.DateOnly), c.logs.Last.Format(time.DateOnly), schedule.MaxScheduleTime.Hours()/24/365)
	}
	return nil
}

// checkJSON refuses a file that does not begin as JSON objects do: the
// AWS CLI's text, YAML or table output, or anything else.
func checkJSON(br *bufio.Reader) error {
	head, _ := br.Peek(4096)
	i := skipBlank(head, 0)
	if i == len(head) || head[i] == '{' {
		return nil
	}
	line := head[i:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	if len(line) > 40 {
		line = line[:40]
	}
	return fmt.Errorf("the file begins %q, not with a JSON object: want the JSON `aws logs filter-log-events` prints (--output json, the CLI's default; its text, YAML or table output cannot be read), or JSON Lines of its events", line)
}
