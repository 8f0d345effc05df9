package lambdalogs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"
)

// An export is what `aws logs filter-log-events` prints (one JSON object,
// its pages merged: "events", an array of event objects, beside
// "searchedLogStreams" and perhaps "nextToken"), or JSON Lines of the same
// event objects, or several of either one after the other. An event object
// has "logStreamName", "timestamp" (Unix ms), "message", "ingestionTime"
// and "eventId" (docs/sources.md [S15]).
//
// The reader streams: it holds one event at a time (its message at most
// maxMessage bytes), never the file. It is a small JSON scanner of its own
// rather than encoding/json's Decoder, whose token API costs several times
// more per event than the 1 µs an event may take (BenchmarkReadExport).

// Event is one event of an export as `aws logs filter-log-events` prints
// it: a line of an export written as JSON Lines, as the local host's
// export and a fetch of a log group (package fetch) write it.
type Event struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"` // Unix ms
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"` // Unix ms
	EventID       string `json:"eventId"`
}

// maxMessage is the longest message kept: CloudWatch Logs takes events of
// at most 1 MiB (docs/sources.md [S15]); a longer one is skipped.
const maxMessage = 1 << 20

// maxDepth bounds the nesting of values skipped over (a user's file may
// hold anything).
const maxDepth = 64

// rawEvent is one event as read: its fields point into the reader's
// buffers, valid until the next event is read.
type rawEvent struct {
	index   int64 // 0-based, in the order read
	stream  []byte
	ts      int64
	hasTS   bool
	message []byte
	eventID []byte
	tooLong bool   // the message was longer than maxMessage
	bad     string // why the event is malformed; "" when it is not
}

// exportReader reads events from an export.
type exportReader struct {
	r    io.Reader
	buf  []byte
	p, n int
	off  int64 // the file offset of buf[0]
	eof  bool
	rerr error

	inEvents bool // inside an export object's "events" array
	// more is set when an export object holds a token for more events
	// (nextToken, or the CLI's NextToken with --max-items): a part of
	// the window, not the whole.
	more   bool
	noFast bool // every event read by the general path (for tests)
	// lastGeneral is 1 + the index of the last event the general path
	// read (for tests).
	lastGeneral int64
	index       int64

	stream, message, eventID, key []byte
}

func newExportReader(r io.Reader) *exportReader {
	return &exportReader{r: r, buf: make([]byte, 1<<20)}
}

// errSyntax is a syntax error at the reader's place.
func (x *exportReader) errSyntax(what string) error {
	return fmt.Errorf("byte %d: %s", x.off+int64(x.p), what)
}

// fill reads more, keeping buf[p:n]; false at the end of the input.
func (x *exportReader) fill() bool {
	if x.eof {
		return false
	}
	if x.p > 0 {
		copy(x.buf, x.buf[x.p:x.n])
		x.off += int64(x.p)
		x.n -= x.p
		x.p = 0
	}
	if x.n == len(x.buf) {
		x.buf = append(x.buf, make([]byte, len(x.buf))...)
	}
	for {
		m, err := x.r.Read(x.buf[x.n:])
		x.n += m
		if err != nil {
			x.eof = true
			if err != io.EOF {
				x.rerr = err
			}
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
}

// blank marks JSON's white space.
var blank = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// skipBlank is the index of the first byte of b from i on that is not
// white space, or len(b). An export is indented: a line's end, then
// spaces, taken eight at a time.
func skipBlank(b []byte, i int) int {
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:]) ^ 0x2020202020202020
		if w == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(w) / 8
		if !blank[b[i]] {
			return i
		}
		i++
	}
	for i < len(b) && blank[b[i]] {
		i++
	}
	return i
}

// skipSome is skipBlank, without a call where there is no white space.
func skipSome(b []byte, i int) int {
	if i < len(b) && blank[b[i]] {
		return skipBlank(b, i)
	}
	return i
}

// peek is the next byte that is not white space, or false at the end.
func (x *exportReader) peek() (byte, bool) {
	for {
		x.p = skipBlank(x.buf[:x.n], x.p)
		if x.p < x.n {
			return x.buf[x.p], true
		}
		if !x.fill() {
			return 0, false
		}
	}
}

// short reads a short JSON string (a key, a stream name, an event id)
// into dst[:0]: a byte loop, cheaper than str's searches on a few dozen
// bytes; an escape, a line's end or the buffer's end hands over to str.
func (x *exportReader) short(dst []byte, limit int) ([]byte, bool, error) {
	if c, ok := x.peek(); ok && c == '"' {
		b := x.buf[x.p+1 : min(x.n, x.p+1+limit)]
		if q := bytes.IndexByte(b, '"'); q >= 0 && bytes.IndexByte(b[:q], '\\') < 0 && bytes.IndexByte(b[:q], '\n') < 0 {
			dst = append(dst[:0], b[:q]...)
			x.p += q + 2
			return dst, false, nil
		}
	}
	return x.str(dst, limit)
}

// expect consumes c after white space.
func (x *exportReader) expect(c byte) error {
	got, ok := x.peek()
	if !ok {
		return x.errSyntax(fmt.Sprintf("want %q, the input ends", c))
	}
	if got != c {
		return x.errSyntax(fmt.Sprintf("want %q, got %q", c, got))
	}
	x.p++
	return nil
}

// str reads a JSON string into dst[:0], unescaped; past limit bytes it
// reads on but keeps no more, and reports it too long. The string's end
// and its escapes are found by the vectorised byte search, each byte
// looked at once.
func (x *exportReader) str(dst []byte, limit int) ([]byte, bool, error) {
	if err := x.expect('"'); err != nil {
		return dst, false, err
	}
	dst = dst[:0]
	long := false
	keep := func(b []byte) {
		if long {
			return
		}
		if len(dst)+len(b) > limit {
			long = true
			return
		}
		dst = append(dst, b...)
	}
	for {
		if x.p >= x.n && !x.fill() {
			return dst, long, x.errSyntax("a string does not end")
		}
		// The plain run up to the next quote (or the buffer's end); a line's
		// end in it is a broken line (other control bytes are taken as
		// they are).
		q := x.n
		if i := bytes.IndexByte(x.buf[x.p:x.n], '"'); i >= 0 {
			q = x.p + i
		}
		if i := bytes.IndexByte(x.buf[x.p:q], '\n'); i >= 0 {
			x.p += i
			return dst, long, x.errSyntax("a line's end in a string")
		}
		for x.p < q {
			i := bytes.IndexByte(x.buf[x.p:q], '\\')
			if i < 0 {
				keep(x.buf[x.p:q])
				x.p = q
				break
			}
			keep(x.buf[x.p : x.p+i])
			x.p += i
			if x.n-x.p < 12 {
				// An escape at the buffer's end: read on, then find the
				// quote again (the buffer moved).
				for x.n-x.p < 12 && x.fill() {
				}
				q = -1
			}
			r, size, ok := unescape(x.buf[x.p:x.n])
			if !ok {
				return dst, long, x.errSyntax("a bad escape in a string")
			}
			x.p += size
			if !long {
				if r < utf8.RuneSelf {
					if len(dst)+1 > limit {
						long = true
					} else {
						dst = append(dst, byte(r))
					}
				} else {
					dst = utf8.AppendRune(dst, r)
				}
			}
			if q < 0 || x.p > q {
				break // the quote was escaped, or the buffer moved: find the end again
			}
		}
		if x.p == q && q < x.n {
			x.p++
			return dst, long, nil
		}
	}
}

// unescape decodes the escape at the start of b: the rune, the bytes it
// took, and whether it is one.
func unescape(b []byte) (rune, int, bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0, false
		}
		if utf16.IsSurrogate(r) {
			if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
				if r2, ok := hex4(b[8:]); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						return d, 12, true
					}
				}
			}
			return utf8.RuneError, 6, true
		}
		return r, 6, true
	}
	return 0, 0, false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a JSON number's bytes (at most 64) into dst.
func (x *exportReader) number(dst []byte) ([]byte, error) {
	if _, ok := x.peek(); !ok {
		return dst, x.errSyntax("want a number, the input ends")
	}
	dst = dst[:0]
	for {
		for x.p < x.n {
			c := x.buf[x.p]
			if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
				if len(dst) == 0 {
					return dst, x.errSyntax(fmt.Sprintf("want a value, got %q", c))
				}
				return dst, nil
			}
			if len(dst) >= 64 {
				return dst, x.errSyntax("a number longer than 64 bytes")
			}
			dst = append(dst, c)
			x.p++
		}
		if !x.fill() {
			if len(dst) == 0 {
				return dst, x.errSyntax("want a value, the input ends")
			}
			return dst, nil
		}
	}
}

// literal reads true, false or null.
func (x *exportReader) literal() error {
	for _, lit := range []string{"true", "false", "null"} {
		for x.n-x.p < len(lit) && x.fill() {
		}
		if bytes.HasPrefix(x.buf[x.p:x.n], []byte(lit)) {
			x.p += len(lit)
			return nil
		}
	}
	return x.errSyntax("want a value")
}

// skip reads over one value of any kind.
func (x *exportReader) skip(depth int) error {
	c, ok := x.peek()
	if !ok {
		return x.errSyntax("want a value, the input ends")
	}
	if depth > maxDepth {
		return x.errSyntax(fmt.Sprintf("values nested deeper than %d", maxDepth))
	}
	switch {
	case c == '"':
		var err error
		x.key, _, err = x.str(x.key, 0)
		return err
	case c == '{' || c == '[':
		x.p++
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		for first := true; ; first = false {
			d, ok := x.peek()
			if !ok {
				return x.errSyntax("an object or array does not end")
			}
			if d == end {
				x.p++
				return nil
			}
			if !first {
				if err := x.expect(','); err != nil {
					return err
				}
			}
			if c == '{' {
				var err error
				if x.key, _, err = x.str(x.key, 0); err != nil {
					return err
				}
				if err := x.expect(':'); err != nil {
					return err
				}
			}
			if err := x.skip(depth + 1); err != nil {
				return err
			}
		}
	case c == 't' || c == 'f' || c == 'n':
		return x.literal()
	default:
		_, err := x.number(x.key[:0])
		return err
	}
}

// eventKeys are an event object's keys, as knownKey matches them.
var eventKeys = [...]string{`"logStreamName"`, `"timestamp"`, `"message"`, `"ingestionTime"`, `"eventId"`}

// knownKey reads one of eventKeys into x.key when the reader is at it,
// quote to quote, without a search; false leaves the reader where it was.
func (x *exportReader) knownKey() bool {
	c, ok := x.peek()
	if !ok || c != '"' || x.n-x.p < 16 {
		return false
	}
	b := x.buf[x.p:x.n]
	for _, k := range eventKeys {
		if b[1] == k[1] && len(b) >= len(k) && string(b[:len(k)]) == k {
			x.key = append(x.key[:0], k[1:len(k)-1]...)
			x.p += len(k)
			return true
		}
	}
	return false
}

// wholeMS reads a non-negative whole number of at most 18 digits (Unix
// ms), or its exponent form through strconv.
func wholeMS(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		v, err := strconv.ParseInt(string(b), 10, 64)
		return v, err == nil
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			v, err := strconv.ParseInt(string(b), 10, 64)
			return v, err == nil
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// errEnd is the end of the export.
var errEnd = errors.New("end of export")

// next reads the next event into ev. It returns errEnd at the end, a
// syntax error the export cannot be read past (one in an export object),
// or nil with ev.bad saying why an event is malformed: a JSON Lines event
// with bad syntax is skipped to its line's end.
func (x *exportReader) next(ev *rawEvent) error {
	for {
		if x.inEvents {
			c, ok := x.peek()
			if !ok {
				return x.errSyntax(`the "events" array does not end`)
			}
			switch {
			case c == ']':
				x.p++
				x.inEvents = false
				if err := x.restOfExport(); err != nil {
					return err
				}
				continue
			case c == ',':
				x.p++
			}
			if x.fastEvent(ev) {
				return nil
			}
			if err := x.event(ev, false); err != nil {
				return fmt.Errorf("event %d: %w", ev.index, err)
			}
			return nil
		}
		c, ok := x.peek()
		if !ok {
			if x.rerr != nil {
				return x.rerr
			}
			return errEnd
		}
		if c != '{' {
			// A line that is no object among JSON Lines: a malformed event.
			*ev = rawEvent{index: x.index}
			x.index++
			return x.badLine(ev, x.errSyntax(fmt.Sprintf("want an export object or an event object, got %q", c)))
		}
		if x.fastEvent(ev) {
			return nil
		}
		// An export object, or one event of JSON Lines: its first key tells.
		x.p++
		keyRead := false
		if k, ok := x.peek(); ok && k == '"' {
			var err error
			if x.key, _, err = x.str(x.key, 64); err != nil {
				*ev = rawEvent{index: x.index}
				x.index++
				return x.badLine(ev, err)
			}
			switch string(x.key) {
			case "events", "searchedLogStreams", "nextToken", "NextToken":
				if err := x.exportKey(); err != nil {
					return err
				}
				continue
			}
			keyRead = true
		}
		return x.badLine(ev, x.event(ev, keyRead))
	}
}

// badLine makes a JSON Lines event that could not be read malformed, and
// skips to its line's end.
func (x *exportReader) badLine(ev *rawEvent, err error) error {
	if err == nil {
		return nil
	}
	ev.bad = err.Error()
	x.skipLine()
	return nil
}

// exportKey reads the value of the export object key just read and what
// follows it, up to the events array or the object's end.
func (x *exportReader) exportKey() error {
	for {
		if err := x.expect(':'); err != nil {
			return err
		}
		if string(x.key) == "events" {
			if err := x.expect('['); err != nil {
				return err
			}
			x.inEvents = true
			return nil
		}
		if c, ok := x.peek(); ok && c == '"' && (string(x.key) == "nextToken" || string(x.key) == "NextToken") {
			var err error
			if x.key, _, err = x.str(x.key, 1<<16); err != nil {
				return err
			}
			x.more = x.more || len(x.key) > 0
		} else if err := x.skip(0); err != nil {
			return err
		}
		if end, err := x.nextExportKey(); end || err != nil {
			return err
		}
	}
}

// restOfExport reads the export object's keys after its events array.
func (x *exportReader) restOfExport() error {
	if end, err := x.nextExportKey(); end || err != nil {
		return err
	}
	return x.exportKey()
}

// nextExportKey reads the export object's next key into x.key, or its end.
func (x *exportReader) nextExportKey() (end bool, err error) {
	c, ok := x.peek()
	if !ok {
		return false, x.errSyntax("an export object does not end")
	}
	x.p++
	if c == '}' {
		return true, nil
	}
	if c != ',' {
		return false, x.errSyntax(fmt.Sprintf("want ',' or '}', got %q", c))
	}
	x.key, _, err = x.str(x.key, 64)
	return false, err
}

// skipLine skips to the next line after a malformed JSON Lines event;
// false at the end of the input.
func (x *exportReader) skipLine() bool {
	for {
		if i := bytes.IndexByte(x.buf[x.p:x.n], '\n'); i >= 0 {
			x.p += i + 1
			return true
		}
		x.p = x.n
		if !x.fill() {
			return false
		}
	}
}

// event reads one event object into ev. Its fields of the wrong type make
// it malformed (ev.bad), not the export unreadable; bad syntax is an error.
func (x *exportReader) event(ev *rawEvent, keyRead bool) error {
	*ev = rawEvent{index: x.index}
	x.index++
	x.lastGeneral = x.index
	if !keyRead {
		if err := x.expect('{'); err != nil {
			return err
		}
	}
	x.stream, x.message, x.eventID = x.stream[:0], x.message[:0], x.eventID[:0]
	var haveStream, haveMessage bool
	for first := true; ; first = false {
		var err error
		if !keyRead {
			c, ok := x.peek()
			if !ok {
				return x.errSyntax("an event object does not end")
			}
			if c == '}' {
				x.p++
				break
			}
			if !first {
				if err := x.expect(','); err != nil {
					return err
				}
			}
			if !x.knownKey() {
				if x.key, _, err = x.short(x.key, 64); err != nil {
					return err
				}
			}
		}
		keyRead = false
		if err := x.expect(':'); err != nil {
			return err
		}
		c, _ := x.peek()
		switch string(x.key) {
		case "logStreamName":
			if c != '"' {
				ev.bad = "logStreamName is not a string"
				break
			}
			var long bool
			if x.stream, long, err = x.short(x.stream, 512); err != nil {
				return err
			}
			if long {
				ev.bad = "logStreamName longer than 512 bytes"
			}
			haveStream = true
			continue
		case "message":
			if c != '"' {
				ev.bad = "message is not a string"
				break
			}
			x.message, ev.tooLong, err = x.str(x.message, maxMessage)
			haveMessage = true
			if err != nil {
				return err
			}
			continue
		case "eventId":
			if c != '"' {
				ev.bad = "eventId is not a string"
				break
			}
			var long bool
			if x.eventID, long, err = x.short(x.eventID, 256); err != nil {
				return err
			}
			if long {
				ev.bad = "eventId longer than 256 bytes"
			}
			continue
		case "timestamp":
			if c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' {
				ev.bad = "timestamp is not a number"
				break
			}
			num, err := x.number(x.key[:0])
			if err != nil {
				return err
			}
			ts, ok := wholeMS(num)
			if !ok {
				ev.bad = fmt.Sprintf("timestamp %s is not a whole number of milliseconds", num)
			}
			ev.ts, ev.hasTS = ts, ok
			continue
		}
		if err != nil {
			return err
		}
		if err := x.skip(1); err != nil {
			return err
		}
	}
	ev.stream, ev.message, ev.eventID = x.stream, x.message, x.eventID
	switch {
	case ev.bad != "":
	case !haveStream:
		ev.bad = "no logStreamName"
	case !haveMessage:
		ev.bad = "no message"
	case !ev.hasTS:
		ev.bad = "no timestamp"
	}
	return nil
}

// The keys of an event object, as bits of what fastEvent has read.
const (
	keyStream uint8 = 1 << iota
	keyTimestamp
	keyMessage
	keyIngestion
	keyEventID
)

// fastEvent reads an event object of the usual shape (as the AWS CLI and
// the project's own writers write one: the five known keys, each once, in
// any order and indentation; its logStreamName and eventId without
// escapes; its times whole milliseconds), whole from the buffer, into ev.
// For anything else it returns false and leaves the reader where it was,
// for the general path (event), which reads every event and says what is
// wrong with one: fastEvent gives what event gives, only in fewer steps
// (FuzzFastEvent holds it to that). An object that runs past the buffer
// is tried again once the buffer is full, one longer than half the
// buffer is left to the general path.
func (x *exportReader) fastEvent(ev *rawEvent) bool {
	if x.noFast {
		return false
	}
	if x.tryFast(ev) {
		return true
	}
	if x.eof || x.n-x.p >= len(x.buf)/2 || !x.fill() {
		return false
	}
	for x.n < len(x.buf) && x.fill() {
	}
	return x.tryFast(ev)
}

// tryFast is fastEvent on the buffer as it is.
func (x *exportReader) tryFast(ev *rawEvent) bool {
	b := x.buf[x.p:x.n]
	i := skipSome(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	var seen uint8
	var stream, eventID []byte
	var ts int64
	msg := x.message[:0]
	for {
		i = skipSome(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			i++
			break
		}
		if seen != 0 {
			if b[i] != ',' {
				return false
			}
			i = skipSome(b, i+1)
		}
		k, n := eventKeyAt(b[i:])
		if k == 0 || seen&k != 0 {
			return false
		}
		seen |= k
		if i = skipSome(b, i+n); i >= len(b) || b[i] != ':' {
			return false
		}
		if i = skipSome(b, i+1); i >= len(b) {
			return false
		}
		var ok bool
		switch k {
		case keyStream:
			stream, n, ok = plainString(b[i:], 512)
		case keyEventID:
			eventID, n, ok = plainString(b[i:], 256)
		case keyMessage:
			msg, n, ok = x.fastMessage(b[i:], msg)
		case keyTimestamp:
			ts, n, ok = wholeAt(b[i:])
		case keyIngestion:
			_, n, ok = wholeAt(b[i:])
		}
		if !ok {
			return false
		}
		i += n
	}
	if seen&(keyStream|keyTimestamp|keyMessage) != keyStream|keyTimestamp|keyMessage {
		return false
	}
	x.message = msg
	*ev = rawEvent{index: x.index, stream: stream, ts: ts, hasTS: true, message: msg, eventID: eventID}
	x.index++
	x.p += i
	return true
}

// eventKeyAt is the event key b starts with (quotes and all) and its
// length, or 0: told by its first letter, then compared with a constant
// (a word compare or two).
func eventKeyAt(b []byte) (uint8, int) {
	if len(b) < 16 || b[0] != '"' {
		return 0, 0
	}
	switch b[1] {
	case 'l':
		if string(b[:15]) == `"logStreamName"` {
			return keyStream, 15
		}
	case 't':
		if string(b[:11]) == `"timestamp"` {
			return keyTimestamp, 11
		}
	case 'm':
		if string(b[:9]) == `"message"` {
			return keyMessage, 9
		}
	case 'i':
		if string(b[:15]) == `"ingestionTime"` {
			return keyIngestion, 15
		}
	case 'e':
		if string(b[:9]) == `"eventId"` {
			return keyEventID, 9
		}
	}
	return 0, 0
}

// plainString is the JSON string b starts with when it has no escape and
// no line's end and is at most limit bytes long, and the bytes it took.
func plainString(b []byte, limit int) ([]byte, int, bool) {
	if b[0] != '"' {
		return nil, 0, false
	}
	q := bytes.IndexByte(b[1:], '"')
	if q < 0 || q > limit {
		return nil, 0, false
	}
	s := b[1 : 1+q]
	if bytes.IndexByte(s, '\\') >= 0 || bytes.IndexByte(s, '\n') >= 0 {
		return nil, 0, false
	}
	return s, q + 2, true
}

// fastMessage is the JSON string b starts with, unescaped into dst[:0],
// and the bytes it took; false for a line's end or a bad escape in it,
// one longer than maxMessage, or one that runs past b.
func (x *exportReader) fastMessage(b, dst []byte) ([]byte, int, bool) {
	if b[0] != '"' {
		return dst, 0, false
	}
	dst = dst[:0]
	j := 1
	for {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return dst, 0, false
		}
		q += j
		if bytes.IndexByte(b[j:q], '\n') >= 0 {
			return dst, 0, false
		}
		for {
			e := bytes.IndexByte(b[j:q], '\\')
			if e < 0 {
				dst = append(dst, b[j:q]...)
				if len(dst) > maxMessage {
					return dst, 0, false
				}
				return dst, q + 1, true
			}
			dst = append(dst, b[j:j+e]...)
			j += e
			if j+1 < len(b) && shortEscape[b[j+1]] != 0 {
				dst = append(dst, shortEscape[b[j+1]])
				j += 2
			} else {
				if len(b)-j < 12 && !x.eof {
					return dst, 0, false // the general path reads on first
				}
				r, size, ok := unescape(b[j:])
				if !ok {
					return dst, 0, false
				}
				dst = utf8.AppendRune(dst, r)
				j += size
			}
			if j > q {
				break // the quote was escaped: find the end again
			}
		}
	}
}

// shortEscape is what a two-byte escape stands for, by its second byte.
var shortEscape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// wholeAt is the whole number of at most 18 digits b starts with, and the
// bytes it took; false for any other number (the general path reads it).
// Digits are read eight at a time, the last few of them too.
func wholeAt(b []byte) (int64, int, bool) {
	const zeros, highs = 0x3030303030303030, 0x8080808080808080
	var v int64
	n := 0
	for n+8 <= len(b) && n < 16 {
		d := binary.LittleEndian.Uint64(b[n:]) - zeros
		// A byte below '0' wraps past 0x7f, one above '9' reaches 0x80
		// with 0x76 added: the lowest such is the first that is no digit.
		other := (d | (d + 0x7676767676767676)) & highs
		if other == 0 {
			v = v*1e8 + int64(digitsValue(d))
			n += 8
			continue
		}
		if k := bits.TrailingZeros64(other) / 8; k > 0 {
			// The k digits moved to the word's top, zeros before them.
			v = v*pow10[k] + int64(digitsValue(d<<(64-8*k)))
			n += k
		}
		return wholeEnd(b, v, n)
	}
	for ; n < len(b) && n <= 18; n++ {
		c := b[n] - '0'
		if c > 9 {
			break
		}
		v = v*10 + int64(c)
	}
	return wholeEnd(b, v, n)
}

// wholeEnd is wholeAt's answer for the n digits of value v b starts with.
func wholeEnd(b []byte, v int64, n int) (int64, int, bool) {
	if n == 0 || n > 18 || n == len(b) {
		return 0, 0, false
	}
	switch b[n] {
	case '.', 'e', 'E', '+', '-':
		return 0, 0, false
	}
	return v, n, true
}

var pow10 = [8]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000}

// digitsValue is the number eight digits write, each byte of d one
// (0 to 9), the first in its lowest byte.
func digitsValue(d uint64) uint64 {
	d = d * (10<<8 + 1) >> 8 & 0x00ff00ff00ff00ff
	d = d * (100<<16 + 1) >> 16 & 0x0000ffff0000ffff
	return d * (10000<<32 + 1) >> 32
}

// A batch is events scanned from an export, their strings copied into one
// arena, handed from the scanning goroutine to the parsing one. Its
// events hold no pointers (nothing for the collector to follow).
type batch struct {
	arena []byte
	evs   []batchEvent
	bads  []string // why events are malformed
	free  chan *batch
}

type batchEvent struct {
	index, ts             int64
	hasTS, tooLong        bool
	bad                   int32    // its reason's index in bads + 1; 0 for none
	stream, message, evID [2]int32 // offsets into the arena
}

// batchEvents and batchBytes bound a batch.
const (
	batchEvents = 4096
	batchBytes  = 4 << 20
)

// event is the batch's event i, its strings into the arena.
func (b *batch) event(i int, ev *rawEvent) {
	be := &b.evs[i]
	*ev = rawEvent{index: be.index, ts: be.ts, hasTS: be.hasTS, tooLong: be.tooLong,
		stream:  b.arena[be.stream[0]:be.stream[1]],
		message: b.arena[be.message[0]:be.message[1]],
		eventID: b.arena[be.evID[0]:be.evID[1]]}
	if be.bad > 0 {
		ev.bad = b.bads[be.bad-1]
	}
}

// recycle hands the batch back for the scanner to fill again.
func (b *batch) recycle() {
	b.arena, b.evs, b.bads = b.arena[:0], b.evs[:0], b.bads[:0]
	select {
	case b.free <- b:
	default:
	}
}

// add copies ev into the batch.
func (b *batch) add(ev *rawEvent) {
	be := batchEvent{index: ev.index, ts: ev.ts, hasTS: ev.hasTS, tooLong: ev.tooLong}
	if ev.bad != "" {
		b.bads = append(b.bads, ev.bad)
		be.bad = int32(len(b.bads))
	}
	start := int32(len(b.arena))
	b.arena = append(append(append(b.arena, ev.stream...), ev.message...), ev.eventID...)
	be.stream = [2]int32{start, start + int32(len(ev.stream))}
	be.message = [2]int32{be.stream[1], be.stream[1] + int32(len(ev.message))}
	be.evID = [2]int32{be.message[1], be.message[1] + int32(len(ev.eventID))}
	b.evs = append(b.evs, be)
}

// scanBatches scans the export on a goroutine of its own, sending its
// events in batches until the end or an error (sent on errc, nil at the
// end), or until stop is closed. offset follows the bytes scanned; more
// is set, before the nil error is sent at the end, when the export holds a
// token for more events.
func scanBatches(r io.Reader, offset *atomic.Int64, more *bool) (<-chan *batch, chan<- struct{}, <-chan error) {
	out := make(chan *batch, 2)
	stop := make(chan struct{})
	errc := make(chan error, 1)
	free := make(chan *batch, 4)
	for range 4 {
		free <- &batch{free: free}
	}
	go func() {
		defer close(out)
		x := newExportReader(r)
		var ev rawEvent
		b := <-free
		send := func() bool {
			select {
			case out <- b:
			case <-stop:
				return false
			}
			select {
			case b = <-free:
				return true
			case <-stop:
				return false
			}
		}
		for {
			err := x.next(&ev)
			if err == errEnd {
				break
			}
			if err != nil {
				errc <- err
				return
			}
			b.add(&ev)
			if len(b.evs) >= batchEvents || len(b.arena) >= batchBytes {
				offset.Store(x.off + int64(x.p))
				if !send() {
					errc <- nil
					return
				}
			}
		}
		offset.Store(x.off + int64(x.p))
		if len(b.evs) > 0 {
			select {
			case out <- b:
			case <-stop:
			}
		}
		*more = x.more
		errc <- nil
	}()
	return out, stop, errc
}
