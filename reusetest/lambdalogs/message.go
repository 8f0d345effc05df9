package lambdalogs

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// The kinds of a used event, in the order the pass takes events of one
// millisecond: a failure's own line before the REPORT it belongs to, a
// START before a REPORT, an init's lines among them (the pass tells an
// init after a call from one before it by the call's start).
const (
	kindFailure uint8 = iota // a failure's own line: "Task timed out", "RequestId: … Error: …"
	kindInit                 // INIT_START, INIT_REPORT, platform.initStart / initReport
	kindRestore              // RESTORE_START, RESTORE_REPORT, platform.restoreStart / restoreReport
	kindStart                // START, platform.start
	kindReport               // REPORT, platform.report
)

// The statuses a REPORT gives.
const (
	statusOK uint8 = iota
	statusError
	statusTimeout
)

// message is what one message says, parsed.
type message struct {
	kind     uint8
	json     bool
	req      []byte // the request id, into the message; nil when none
	status   uint8
	errType  []byte // into the message (or Sandbox.Timedout); nil when none
	durUS    int64  // Duration, µs
	hasDur   bool
	initUS   int64  // Init or Restore Duration, µs; 0 when none
	memUsed  int64  // MB
	memSize  int64  // MB
	restore  bool   // initUS is a SnapStart restore's
	initType []byte // initializationType (JSON), into the message
	phase    []byte // an init's phase: "init" or "invoke"
	version  []byte // START's Version, a JSON record's version
	function []byte // a JSON record's functionName
	tenant   []byte // platform.start's tenantId
	instance []byte // a JSON record's instanceId
	bad      string // why the message is malformed or refused
}

// The skip reasons a message can give, beside a malformed one's.
const (
	reasonFunction = "function output (not Lambda's own line)"
	reasonPlatform = "Lambda line not needed (END, XRAY, extension, telemetry)"
)

var (
	pStart         = []byte("START RequestId: ")
	pEnd           = []byte("END RequestId: ")
	pReport        = []byte("REPORT RequestId: ")
	pInitStart     = []byte("INIT_START ")
	pInitReport    = []byte("INIT_REPORT ")
	pRestoreStart  = []byte("RESTORE_START ")
	pRestoreReport = []byte("RESTORE_REPORT ")
	pRequestID     = []byte("RequestId: ")
	pTimedOut      = []byte("Task timed out after ")
	pError         = []byte(" Error: ")
	pExited        = []byte("Process exited before completing request")
	pVersion       = []byte("Version: ")
	pXRay          = []byte("XRAY ")
	pExtension     = []byte("EXTENSION")
	pTelemetry     = []byte("TELEMETRY")
	pLogsAPI       = []byte("LOGS\t")
	timeoutType    = []byte(record.ErrorTimedout) // what the Invoke API names a timeout
	unspecified    = []byte("unspecified")
	exitType       = []byte("Runtime.ExitError")
)

// parseMessage parses one message into m; it returns the reason an
// event is skipped, or "" for one that is used (m.bad for a malformed one).
func parseMessage(b []byte, m *message, j *jsonParser) string {
	*m = message{}
	b = trimEnd(b)
	if len(b) > 0 && b[0] == '{' {
		return j.parse(b, m)
	}
	switch {
	case bytes.HasPrefix(b, pReport):
		m.kind = kindReport
		return parseReport(b[len(pReport):], m)
	case bytes.HasPrefix(b, pStart):
		m.kind = kindStart
		rest := b[len(pStart):]
		m.req, rest = word(rest)
		if i := bytes.Index(rest, pVersion); i >= 0 {
			m.version, _ = word(rest[i+len(pVersion):])
		}
		return checkRequest(m)
	case bytes.HasPrefix(b, pEnd):
		return reasonPlatform
	case bytes.HasPrefix(b, pInitStart):
		m.kind = kindInit
		return ""
	case bytes.HasPrefix(b, pInitReport):
		m.kind = kindInit
		return parseFields(b[len(pInitReport):], m)
	case bytes.HasPrefix(b, pRestoreStart):
		m.kind = kindRestore
		return ""
	case bytes.HasPrefix(b, pRestoreReport):
		m.kind = kindRestore
		return parseFields(b[len(pRestoreReport):], m)
	case bytes.HasPrefix(b, pXRay), bytes.HasPrefix(b, pExtension), bytes.HasPrefix(b, pTelemetry), bytes.HasPrefix(b, pLogsAPI):
		return reasonPlatform
	}
	// A failure's own line, older style: "<time> <request id> Task timed
	// out after 3.00 seconds" (2015's with neither, the emulator's
	// "RequestId: <id> Error: Task timed out after 3.00 seconds"),
	// "RequestId: <id> Error: Runtime exited without providing a reason"
	// (the error type on the next line). A function's own line that quotes
	// a timeout is not one.
	if i := bytes.Index(b, pTimedOut); i >= 0 && i < 128 && isSeconds(b[i+len(pTimedOut):]) {
		if req, ok := timeoutPrefix(bytes.Fields(b[:i])); ok {
			m.kind, m.status, m.errType, m.req = kindFailure, statusTimeout, timeoutType, req
			return ""
		}
	}
	if bytes.HasPrefix(b, pRequestID) {
		// Node.js runtimes before 2020: "RequestId: <id> Process exited
		// before completing request", its runtime gone (a crash, an
		// out-of-memory kill).
		if id, rest := word(b[len(pRequestID):]); looksLikeID(id) && bytes.HasPrefix(rest, pExited) {
			m.kind, m.status, m.req, m.errType = kindFailure, statusError, id, exitType
			return ""
		}
		if i := bytes.Index(b, pError); i > 0 {
			m.kind, m.status = kindFailure, statusError
			if id, _ := word(b[len(pRequestID):]); looksLikeID(id) {
				m.req = id
			}
			m.errType = unspecified
			detail := b[i+len(pError):]
			if nl := bytes.LastIndexByte(detail, '\n'); nl >= 0 && isErrorType(bytes.TrimSpace(detail[nl+1:])) {
				m.errType = bytes.TrimSpace(detail[nl+1:])
			} else if bytes.HasPrefix(detail, []byte("Runtime exited")) {
				m.errType = exitType
			}
			return ""
		}
	}
	return reasonFunction
}

// isSeconds reports "3.00 seconds": what follows "Task timed out after "
// in Lambda's line.
func isSeconds(b []byte) bool {
	n, ok := bytes.CutSuffix(b, []byte(" seconds"))
	if !ok || len(n) == 0 || len(n) > 16 {
		return false
	}
	for _, c := range n {
		if !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}

// timeoutPrefix reads what comes before "Task timed out after" in
// Lambda's line: nothing, a time and a request id, or "RequestId: <id>
// Error:"; the request id (nil when none), and whether it is such a line.
func timeoutPrefix(f [][]byte) ([]byte, bool) {
	if len(f) == 3 && string(f[0]) == "RequestId:" && looksLikeID(f[1]) && string(f[2]) == "Error:" {
		return f[1], true
	}
	var req []byte
	for i, w := range f {
		switch {
		case i == 0 && looksLikeTime(w):
		case i == len(f)-1 && looksLikeID(w):
			req = w
		default:
			return nil, false
		}
	}
	return req, len(f) <= 2
}

// looksLikeTime reports an RFC 3339 time's start: "2016-04-14T…".
func looksLikeTime(b []byte) bool {
	if len(b) < 11 || b[4] != '-' || b[7] != '-' || b[10] != 'T' {
		return false
	}
	for _, c := range b[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// word is b's first word (up to a space, a tab or a line's end) and the
// rest after it.
func word(b []byte) ([]byte, []byte) {
	end := len(b)
	if i := bytes.IndexByte(b, '\t'); i >= 0 {
		end = i
	}
	if i := bytes.IndexByte(b[:end], ' '); i >= 0 {
		end = i
	}
	if i := bytes.IndexByte(b[:end], '\n'); i >= 0 {
		end = i
	}
	if end == len(b) {
		return b, nil
	}
	return b[:end], b[end+1:]
}

// looksLikeID reports a request id's shape: 8 to 64 bytes of hex digits
// and dashes.
func looksLikeID(b []byte) bool {
	if len(b) < 8 || len(b) > 64 {
		return false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// isErrorType reports a Lambda error type's shape: "Runtime.ExitError",
// "Sandbox.Timedout", "Function.ResponseSizeTooLarge": two or three dotted
// words of letters and digits.
func isErrorType(b []byte) bool {
	if len(b) < 3 || len(b) > 128 || bytes.IndexByte(b, '.') <= 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// checkRequest refuses a START or REPORT without a request id.
func checkRequest(m *message) string {
	if len(m.req) == 0 || len(m.req) > 128 {
		m.bad = "no request id"
	}
	return ""
}

// The REPORT fields, by label. A label starts the line or follows white
// space; "Duration:" is the one not preceded by "Billed ", "Init " or
// "Restore ", which are labels of their own (no label starts another).
type field uint8

const (
	noField field = iota
	labelBilledRestore
	labelRestore
	labelBilled
	labelInit
	labelDuration
	labelMemorySize
	labelMaxMemory
	labelStatus
	labelErrorType
	labelPhase
	labelXRay
	labelSegment
	labelSampled
	labelRuntime
	labelRuntimeARN
)

var reportLabels = [...]string{
	labelBilledRestore: "Billed Restore Duration:", labelRestore: "Restore Duration:", labelBilled: "Billed Duration:",
	labelInit: "Init Duration:", labelDuration: "Duration:", labelMemorySize: "Memory Size:", labelMaxMemory: "Max Memory Used:",
	labelStatus: "Status:", labelErrorType: "Error Type:", labelPhase: "Phase:", labelXRay: "XRAY TraceId:",
	labelSegment: "SegmentId:", labelSampled: "Sampled:", labelRuntime: "Runtime Version:", labelRuntimeARN: "Runtime Version ARN:",
}

// parseReport reads a REPORT line after "REPORT RequestId: ".
func parseReport(b []byte, m *message) string {
	m.req, b = word(b)
	if r := checkRequest(m); r != "" || m.bad != "" {
		return r
	}
	if r := parseFields(b, m); r != "" || m.bad != "" {
		return r
	}
	if !m.hasDur {
		m.bad = "a REPORT without its Duration"
	}
	return ""
}

// parseFields reads the "Label: value" fields of a REPORT, INIT_REPORT or
// RESTORE_REPORT line: tab-separated (with a space before the tab in older
// lines), or spaces alone as some tools print them.
func parseFields(b []byte, m *message) string {
	for len(b) > 0 {
		// The label at the start of b.
		b = trimBlank(b)
		l := labelAt(b)
		if l == noField {
			// Not a label: skip a word (an unknown field's text).
			_, b = word(b)
			continue
		}
		b = b[len(reportLabels[l]):]
		for len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
		// Its value runs to the next label (or a tab).
		end := len(b)
		if i := bytes.IndexByte(b, '\t'); i >= 0 {
			end = i
		}
		// (A label holds no tab, so none starts before the tab and ends
		// past it.)
		if v := b[:end]; len(v) > 1 {
			for i, c := range v[:len(v)-1] {
				if (c == ' ' || c == '\n') && labelAt(v[i+1:]) != noField {
					end = i
					break
				}
			}
		}
		value := trimSpace(b[:end])
		b = b[end:]
		if r := m.setField(l, value); r != "" {
			m.bad = r
			return ""
		}
	}
	return ""
}

// labelAt is the REPORT label b starts with, or noField: told by its
// first byte, then compared with constants (a few word compares each).
func labelAt(b []byte) field {
	if len(b) < len("Phase:") {
		return noField
	}
	switch b[0] {
	case 'D':
		if len(b) >= 9 && string(b[:9]) == "Duration:" {
			return labelDuration
		}
	case 'B':
		if len(b) >= 16 && string(b[:16]) == "Billed Duration:" {
			return labelBilled
		}
		if len(b) >= 24 && string(b[:24]) == "Billed Restore Duration:" {
			return labelBilledRestore
		}
	case 'M':
		if len(b) >= 12 && string(b[:12]) == "Memory Size:" {
			return labelMemorySize
		}
		if len(b) >= 16 && string(b[:16]) == "Max Memory Used:" {
			return labelMaxMemory
		}
	case 'I':
		if len(b) >= 14 && string(b[:14]) == "Init Duration:" {
			return labelInit
		}
	case 'R':
		if len(b) >= 17 && string(b[:17]) == "Restore Duration:" {
			return labelRestore
		}
		if len(b) >= 16 && string(b[:16]) == "Runtime Version:" {
			return labelRuntime
		}
		if len(b) >= 20 && string(b[:20]) == "Runtime Version ARN:" {
			return labelRuntimeARN
		}
	case 'S':
		if len(b) >= 7 && string(b[:7]) == "Status:" {
			return labelStatus
		}
		if len(b) >= 10 && string(b[:10]) == "SegmentId:" {
			return labelSegment
		}
		if len(b) >= 8 && string(b[:8]) == "Sampled:" {
			return labelSampled
		}
	case 'E':
		if len(b) >= 11 && string(b[:11]) == "Error Type:" {
			return labelErrorType
		}
	case 'P':
		if string(b[:6]) == "Phase:" {
			return labelPhase
		}
	case 'X':
		if len(b) >= 13 && string(b[:13]) == "XRAY TraceId:" {
			return labelXRay
		}
	}
	return noField
}

// trimBlank drops leading spaces and tabs.
func trimBlank(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// asciiSpace is what bytes.TrimSpace trims of ASCII.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// trimSpace is bytes.TrimSpace: b itself, without a call, when it starts
// and ends with ASCII that is not white space.
func trimSpace(b []byte) []byte {
	if n := len(b); n > 0 && b[0] > ' ' && b[0] < utf8.RuneSelf && b[n-1] > ' ' && b[n-1] < utf8.RuneSelf {
		return b
	}
	return trimSpaceASCII(b)
}

// trimSpaceASCII is bytes.TrimSpace, its ASCII case without a call.
func trimSpaceASCII(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && asciiSpace[b[i]] {
		i++
	}
	for j > i && asciiSpace[b[j-1]] {
		j--
	}
	if i == j {
		return nil
	}
	if b[i] >= utf8.RuneSelf || b[j-1] >= utf8.RuneSelf {
		return bytes.TrimSpace(b)
	}
	return b[i:j]
}

// trimEnd drops trailing spaces, tabs and line ends.
func trimEnd(b []byte) []byte {
	j := len(b)
	for j > 0 && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\r' || b[j-1] == '\n') {
		j--
	}
	return b[:j]
}

// maxCall is the longest a call may run, and the longest an init may take,
// taken as possible: Lambda's maximum timeout, 15 minutes, plus a minute for
// the reporting around it (docs/sources.md [S15]). A longer one is refused.
const maxCall = 16 * 60 * 1_000_000 // µs

// setField keeps one REPORT field's value, or says why it is refused.
func (m *message) setField(l field, v []byte) string {
	switch l {
	case labelDuration, labelInit, labelRestore:
		us, ok := parseMS(v)
		if !ok {
			return "impossible value: " + reportLabels[l] + " " + string(v)
		}
		switch l {
		case labelDuration:
			m.durUS, m.hasDur = us, true
		case labelRestore:
			m.initUS, m.restore = us, true
		default:
			m.initUS = us
		}
	case labelMemorySize, labelMaxMemory:
		mb, ok := parseMB(v)
		if !ok {
			return "impossible value: " + reportLabels[l] + " " + string(v)
		}
		if l == labelMemorySize {
			m.memSize = mb
		} else {
			m.memUsed = mb
		}
	case labelStatus:
		m.setStatus(v)
	case labelErrorType:
		if len(v) > 0 && len(v) <= 128 {
			m.errType = v
		}
	case labelPhase:
		m.phase = v
	}
	return ""
}

// setStatus keeps a REPORT's status: success, or a failure (error,
// failure, timeout), a timeout typed Sandbox.Timedout (the Invoke API's
// name for it) until an Error Type says.
func (m *message) setStatus(v []byte) {
	switch string(v) {
	case "success", "":
		m.status = statusOK
	case "timeout":
		m.status = statusTimeout
		if m.errType == nil {
			m.errType = timeoutType
		}
	default:
		m.status = statusError
	}
}

// parseMS reads "15.74 ms" (or "15.74", or "15 ms") as µs, refusing a
// negative or a value past maxCall.
func parseMS(v []byte) (int64, bool) {
	if n := len(v); n >= 2 && v[n-2] == 'm' && v[n-1] == 's' {
		v = v[:n-2]
	}
	for len(v) > 0 && v[len(v)-1] == ' ' {
		v = v[:len(v)-1]
	}
	v = trimSpace(v)
	var us int64
	i := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		if us > maxCall {
			return 0, false
		}
		us = us*10 + int64(v[i]-'0')
	}
	if i == 0 {
		return parseMSFloat(v)
	}
	us *= 1000
	if i < len(v) {
		if v[i] != '.' {
			return parseMSFloat(v)
		}
		i++
		scale := int64(100)
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			us += int64(v[i]-'0') * scale
			scale /= 10
		}
		if i < len(v) {
			return parseMSFloat(v)
		}
	}
	return us, us <= maxCall
}

// parseMSFloat reads milliseconds in any other form of number (an
// exponent, a JSON number), refusing a negative or a value past maxCall.
func parseMSFloat(v []byte) (int64, bool) {
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || !(f >= 0) || f*1000 > maxCall {
		return 0, false
	}
	return int64(f*1000 + 0.5), true
}

// parseMB reads "128 MB" as 128, refusing a negative or a value past
// what a record may hold (record.MaxMemoryMB).
func parseMB(v []byte) (int64, bool) {
	if n := len(v); n >= 2 && v[n-2] == 'M' && v[n-1] == 'B' {
		v = v[:n-2]
	}
	for len(v) > 0 && v[len(v)-1] == ' ' {
		v = v[:len(v)-1]
	}
	v = trimSpace(v)
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= record.MaxMemoryMB
}
