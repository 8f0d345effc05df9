package lambdalogs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// scanned is one event as the export reader gives it, copied.
type scanned struct {
	index                    int64
	stream, message, eventID string
	ts                       int64
	hasTS, tooLong           bool
	bad                      string
}

// scanAll reads every event of an export from r, the fast path on or off,
// and the error that ended it (nil at the end).
func scanAll(r io.Reader, fast bool) ([]scanned, error) {
	out, _, err := scanCounting(r, fast)
	return out, err
}

// scanCounting is scanAll that says how many events the fast path read.
func scanCounting(r io.Reader, fast bool) ([]scanned, int, error) {
	x := newExportReader(r)
	x.noFast = !fast
	var out []scanned
	var ev rawEvent
	var general int
	for len(out) < 1<<16 {
		before := x.index
		err := x.next(&ev)
		if err == errEnd {
			return out, len(out) - general, nil
		}
		if err != nil {
			return out, len(out) - general, err
		}
		if x.lastGeneral > before {
			general++
		}
		out = append(out, scanned{index: ev.index, stream: string(ev.stream), message: string(ev.message), eventID: string(ev.eventID),
			ts: ev.ts, hasTS: ev.hasTS, tooLong: ev.tooLong, bad: ev.bad})
	}
	return out, len(out) - general, nil
}

// chunkReader hands out its bytes a few at a time, so that events cross
// the reader's buffer ends.
type chunkReader struct {
	b    []byte
	size int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.b)
	c.b = c.b[n:]
	return n, nil
}

// FuzzFastEvent holds the export reader's fast path for event objects
// to the general path: on any input, read whole or a few bytes at a time,
// the same events (each field, each reason an event is malformed) and the
// same error where the export cannot be read past. Its seeds
// (testdata/fuzz/FuzzFastEvent) are exports of both kinds, escapes of
// every sort, and events the fast path hands over.
func FuzzFastEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := scanAll(bytes.NewReader(data), false)
		for _, r := range []io.Reader{bytes.NewReader(data), &chunkReader{b: data, size: 1 + len(data)%97}} {
			got, err := scanAll(r, true)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("fast path: error %v, general path: %v", err, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("fast path: %d events, general path: %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("event %d: fast path %+v, general path %+v", i, got[i], want[i])
				}
			}
		}
	})
}

// jsonString writes s as a JSON string with escapes chosen at random:
// every rune plain where JSON allows, or, one time in odds, \uXXXX (a
// surrogate pair past the basic plane), or its short escape.
func jsonString(rng *rand.Rand, s string, odds int) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		short := map[rune]string{'"': `\"`, '\\': `\\`, '\n': `\n`, '\t': `\t`, '\r': `\r`, '\b': `\b`, '\f': `\f`, '/': `\/`}[r]
		switch {
		case short != "" && (r != '/' || rng.IntN(odds) == 0):
			b.WriteString(short)
		case r < 0x20 || rng.IntN(odds) == 0:
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04X`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// randomText is a string of runes of every kind an export's message may
// hold: Lambda's own lines, tabs and line ends, quotes and backslashes,
// accents, CJK and emoji.
func randomText(rng *rand.Rand) string {
	parts := []string{"REPORT RequestId: 6f1c", "\tDuration: 12.5 ms", "\t", "\n", `"`, `\`, "/", "é", "日本", "😀", " ", "{\"time\":1}", "\x01", "\u2028"}
	var b strings.Builder
	for range rng.IntN(24) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}

// TestTheReaderReadsEventsAsEncodingJSONDoes reads exports with
// encoding/json and with the export reader (its fast path and its
// general one) and wants the same events: the generated REPORT export,
// the real lines, and JSON Lines of random messages with escapes of every
// kind, keys in any order, indented or not.
func TestTheReaderReadsEventsAsEncodingJSONDoes(t *testing.T) {
	var gen bytes.Buffer
	assert.NilError(t, writeReports(&gen, 500, 100, 3))
	exports := map[string][]byte{"generated": gen.Bytes()}
	for _, name := range []string{"real-text.jsonl", "real-json.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		assert.NilError(t, err)
		exports[name] = b
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var lines bytes.Buffer
	for i := range 2000 {
		fields := []string{
			`"logStreamName": ` + jsonString(rng, "2026/03/02/[$LATEST]"+strconv.Itoa(rng.IntN(50)), 200),
			`"timestamp": ` + strconv.FormatInt(1772409600000+int64(i), 10),
			`"message": ` + jsonString(rng, randomText(rng), 8),
			`"ingestionTime": ` + strconv.FormatInt(1772409600400+int64(i), 10),
			`"eventId": ` + jsonString(rng, fmt.Sprintf("%056d", i), 200),
		}
		rng.Shuffle(len(fields), func(a, b int) { fields[a], fields[b] = fields[b], fields[a] })
		sep := []string{",", ", ", " ,\t"}[rng.IntN(3)]
		lines.WriteString("{" + strings.Join(fields, sep) + "}\n")
	}
	exports["random JSON Lines"] = lines.Bytes()
	for name, data := range exports {
		t.Run(name, func(t *testing.T) {
			var want []Event
			if bytes.HasPrefix(bytes.TrimSpace(data), []byte(`{"events"`)) || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{\n")) {
				var export struct{ Events []Event }
				assert.NilError(t, json.Unmarshal(data, &export))
				want = export.Events
			} else {
				dec := json.NewDecoder(bytes.NewReader(data))
				for {
					var e Event
					if err := dec.Decode(&e); err == io.EOF {
						break
					} else {
						assert.NilError(t, err)
					}
					want = append(want, e)
				}
			}
			assert.Assert(t, len(want) > 0)
			for _, fast := range []bool{true, false} {
				got, nFast, err := scanCounting(bytes.NewReader(data), fast)
				assert.NilError(t, err)
				assert.Assert(t, is.Len(got, len(want)), "fast path %v", fast)
				if fast {
					// The fast path reads most: all but events with escapes in
					// their stream's name or event id.
					assert.Assert(t, nFast > len(want)/2, "the fast path read %d of %d events", nFast, len(want))
					if name == "generated" {
						assert.Equal(t, nFast, len(want))
					}
				} else {
					assert.Equal(t, nFast, 0)
				}
				for i, w := range want {
					g := got[i]
					assert.Assert(t, g.bad == "" && !g.tooLong && g.hasTS, "fast path %v, event %d: %+v", fast, i, g)
					assert.Assert(t, utf8.ValidString(g.message))
					assert.DeepEqual(t, Event{LogStreamName: g.stream, Timestamp: g.ts, Message: g.message, EventID: g.eventID, IngestionTime: w.IngestionTime}, w)
				}
			}
		})
	}
}

// TestWholeNumbersAsStrconvReadsThem reads numbers of every length, with
// anything after them, as strconv does, or hands them over.
func TestWholeNumbersAsStrconvReadsThem(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 200000 {
		digits := rng.IntN(22)
		var b []byte
		for range digits {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if rng.IntN(20) == 0 && len(b) > 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256)) // anything among them
		}
		b = append(b, []byte{',', '}', ' ', '.', 'e', '-', '/', ':', 0x80}[rng.IntN(9)])
		b = append(b, "0000000000"[:rng.IntN(10)]...)
		v, n, ok := wholeAt(b)
		end := 0
		for end < len(b) && b[end] >= '0' && b[end] <= '9' {
			end++
		}
		want, err := strconv.ParseInt(string(b[:end]), 10, 64)
		wantOK := err == nil && end > 0 && end <= 18 && end < len(b) && !strings.ContainsRune(".eE+-", rune(b[end]))
		if ok != wantOK || ok && (v != want || n != end) {
			t.Fatalf("wholeAt(%q) = %d, %d, %v; want %d, %d, %v", b, v, n, ok, want, end, wantOK)
		}
	}
}
