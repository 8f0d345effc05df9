package lambdalogs

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The REPORT fields' parser as first written, plain and slow: the
// reference the parser is held to (FuzzReportFields).

var refLabels = []string{
	"Billed Restore Duration:", "Restore Duration:", "Billed Duration:", "Init Duration:", "Duration:",
	"Memory Size:", "Max Memory Used:", "Status:", "Error Type:", "Phase:",
	"XRAY TraceId:", "SegmentId:", "Sampled:", "Runtime Version:", "Runtime Version ARN:",
}

func refLabelAt(b []byte) string {
	for _, l := range refLabels {
		if bytes.HasPrefix(b, []byte(l)) {
			return l
		}
	}
	return ""
}

func refWord(b []byte) ([]byte, []byte) {
	i := bytes.IndexAny(b, " \t\n")
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}

func refParseFields(b []byte, m *message) {
	for len(b) > 0 {
		b = bytes.TrimLeft(b, " \t")
		label := refLabelAt(b)
		if label == "" {
			_, b = refWord(b)
			continue
		}
		b = bytes.TrimLeft(b[len(label):], " ")
		end := len(b)
		if i := bytes.IndexByte(b, '\t'); i >= 0 {
			end = i
		}
		for i := 0; i < end; i++ {
			if (b[i] == ' ' || b[i] == '\n') && i+1 < end && refLabelAt(b[i+1:]) != "" {
				end = i
				break
			}
		}
		value := bytes.TrimSpace(b[:end])
		b = b[end:]
		if r := refSetField(m, label, value); r != "" {
			m.bad = r
			return
		}
	}
}

func refSetField(m *message, label string, v []byte) string {
	switch label {
	case "Duration:", "Init Duration:", "Restore Duration:":
		us, ok := parseMS(v)
		if !ok {
			return "impossible value: " + label + " " + string(v)
		}
		switch label {
		case "Duration:":
			m.durUS, m.hasDur = us, true
		case "Restore Duration:":
			m.initUS, m.restore = us, true
		default:
			m.initUS = us
		}
	case "Memory Size:", "Max Memory Used:":
		mb, ok := parseMB(v)
		if !ok {
			return "impossible value: " + label + " " + string(v)
		}
		if label == "Memory Size:" {
			m.memSize = mb
		} else {
			m.memUsed = mb
		}
	case "Status:":
		m.setStatus(v)
	case "Error Type:":
		if len(v) > 0 && len(v) <= 128 {
			m.errType = v
		}
	case "Phase:":
		m.phase = v
	}
	return ""
}

// sameMessage reports how two parses differ, or "".
func sameMessage(a, b *message) string {
	fa, fb := fmt.Sprintf("%+v", *a), fmt.Sprintf("%+v", *b)
	if fa != fb || (a.errType == nil) != (b.errType == nil) || (a.phase == nil) != (b.phase == nil) {
		return fmt.Sprintf("%s (errType nil %v, phase nil %v)\nwant %s (errType nil %v, phase nil %v)", fa, a.errType == nil, a.phase == nil,
			fb, b.errType == nil, b.phase == nil)
	}
	return ""
}

// FuzzReportFields holds the REPORT fields' parser, and the words and
// trims around it, to the plain reference above on any line. Its seeds
// (testdata/fuzz/FuzzReportFields) are REPORT, INIT_REPORT and
// RESTORE_REPORT lines of every era and broken ones.
func FuzzReportFields(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		var got, want message
		parseFields(line, &got)
		refParseFields(line, &want)
		if d := sameMessage(&got, &want); d != "" {
			t.Fatalf("%q: %s", line, d)
		}
		w1, r1 := word(line)
		w2, r2 := refWord(line)
		if !bytes.Equal(w1, w2) || !bytes.Equal(r1, r2) || (r1 == nil) != (r2 == nil) {
			t.Fatalf("word(%q) = %q, %q; want %q, %q", line, w1, r1, w2, r2)
		}
		if a, b := trimSpace(line), bytes.TrimSpace(line); !bytes.Equal(a, b) || (a == nil) != (b == nil) {
			t.Fatalf("trimSpace(%q) = %q, want %q", line, a, b)
		}
		if a, b := trimEnd(line), bytes.TrimRight(line, " \t\r\n"); !bytes.Equal(a, b) {
			t.Fatalf("trimEnd(%q) = %q, want %q", line, a, b)
		}
	})
}

// TestReportFieldsAsTheReference parses the real lines of every era and
// lines made of REPORT fields, values and noise at random, and wants what
// the reference parses.
func TestReportFieldsAsTheReference(t *testing.T) {
	var lines [][]byte
	for _, name := range []string{"real-text.jsonl", "real-json.json"} {
		evs, err := scanAllFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			lines = append(lines, []byte(ev.message))
		}
	}
	rng := rand.New(rand.NewPCG(11, 11))
	parts := append(append([]string{}, refLabels...), " ", "\t", " \t", "\n", "12.5 ms", "1024 MB", "0 ms", "-3 ms", "1e3 ms", "error", "timeout",
		"Runtime.ExitError", "invoke", "ms", "MB", "Duration", "Billed", "é", "\u00a0", "\u2028", "Max", "Memory", "x")
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(16) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		lines = append(lines, []byte(b.String()))
	}
	for _, line := range lines {
		var got, want message
		parseFields(line, &got)
		refParseFields(line, &want)
		if d := sameMessage(&got, &want); d != "" {
			t.Fatalf("%q: %s", line, d)
		}
	}
}

// scanAllFile is scanAll of a file.
func scanAllFile(path string) ([]scanned, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scanAll(f, true)
}
