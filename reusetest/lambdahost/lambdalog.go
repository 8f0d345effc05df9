package lambdahost

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// LogFormat is the format of Lambda's own log lines (its LoggingConfig
// LogFormat): plain text, or a JSON object per platform event
// (docs/sources.md [S15]).
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// ParseLogFormat checks a log format's name; "" names LogText.
func ParseLogFormat(s string) (LogFormat, error) {
	switch LogFormat(s) {
	case "", LogText:
		return LogText, nil
	case LogJSON:
		return LogJSON, nil
	}
	return "", fmt.Errorf("unknown log format %q (known: %s, %s)", s, LogText, LogJSON)
}

// LogEvent is one event of a log stream, as CloudWatch Logs keeps it.
type LogEvent struct {
	// Stream is the log stream's name: YYYY/MM/DD/[VERSION]<32 hex>.
	Stream string
	// Time is when it was written.
	Time time.Time
	// Message is one line: a platform line (with its newline, in text
	// format, as Lambda writes them), a JSON object, or one line of the
	// function's output (with its newline).
	Message string
}

// LogSink receives the log events of every environment of a host. Log is
// called from many goroutines, each stream's events in time order; it must
// not block for long.
type LogSink interface {
	Log(LogEvent)
}

// Sinks sends every event to each of its sinks: a host's logs to a folder,
// an export and CloudWatch Logs at once.
type Sinks []LogSink

// Log sends ev to each sink.
func (m Sinks) Log(ev LogEvent) {
	for _, s := range m {
		s.Log(ev)
	}
}

// RuntimeVersion and RuntimeVersionARN are what the host's INIT_START says
// of the runtime: the local host, not one of AWS's runtime versions.
const (
	RuntimeVersion    = "lambdahost:local"
	RuntimeVersionARN = "arn:aws:lambda:local::runtime:lambdahost"
)

// maxLogMessage is the longest message the host writes: a longer line of
// output is cut into several. It is CloudWatch Logs' long-documented
// event limit (256 KB, 26 bytes of overhead included; 1 MB now,
// docs/sources.md [S15]), which keeps events small everywhere.
const maxLogMessage = 256<<10 - 26

// newStreamName names a new environment's log stream as Lambda does:
// the day it started (UTC), the version in brackets, 32 random hex digits.
func newStreamName(now time.Time, version string) string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + hex.EncodeToString(b[:])
}

// The init phases (the telemetry schema's InitPhase): an init before any
// call, or one run inside a call, after a reset.
const (
	phaseInit   = "init"
	phaseInvoke = "invoke"
)

// The statuses of a call as REPORT gives them; "" is success.
const (
	statusError   = "error"
	statusTimeout = "timeout"
)

// callReport is what one call's REPORT says.
type callReport struct {
	RequestID string
	Tenant    string // "" without tenant isolation
	Duration  time.Duration
	// Init is the init this call waited for (0 for none); it is billed
	// with the call.
	Init         time.Duration
	MemorySizeMB int
	MaxMemoryMB  int
	Status       string // "", statusError or statusTimeout
	ErrorType    string // with statusError
}

// ms is d in milliseconds, rounded to 3 decimals (the JSON metrics' precision).
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// billedMs is Billed Duration: the call and the init it ran, rounded up to
// the millisecond (the init is billed since August 2025; docs/sources.md [S10]).
func (r callReport) billedMs() int64 {
	return int64(math.Ceil(ms(r.Duration + r.Init)))
}

// streamLog writes one environment's log stream to a sink; a nil
// *streamLog writes nothing.
type streamLog struct {
	name    string
	sink    LogSink
	format  LogFormat
	version string

	mu sync.Mutex // one event at a time, so that times never go back
}

// put stamps and sends one message, made by msg from its time.
func (s *streamLog) put(msg func(t time.Time) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := time.Now()
	s.sink.Log(LogEvent{Stream: s.name, Time: t, Message: msg(t)})
}

// jsonTime is the time of a JSON event: UTC, to the millisecond.
func jsonTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// jsonEvent is a platform event in JSON format.
type jsonEvent struct {
	Time   string `json:"time"`
	Type   string `json:"type"`
	Record any    `json:"record"`
}

func (e jsonEvent) String() string {
	b, _ := json.Marshal(e) // strings and numbers: cannot fail
	return string(b)
}

type initStartRecord struct {
	InitializationType string `json:"initializationType"`
	Phase              string `json:"phase"`
	RuntimeVersion     string `json:"runtimeVersion"`
	RuntimeVersionARN  string `json:"runtimeVersionArn"`
}

type initReportRecord struct {
	InitializationType string      `json:"initializationType"`
	Phase              string      `json:"phase"`
	Status             string      `json:"status"`
	ErrorType          string      `json:"errorType,omitempty"`
	Metrics            initMetrics `json:"metrics"`
}

type initMetrics struct {
	DurationMs float64 `json:"durationMs"`
}

type startRecord struct {
	RequestID string `json:"requestId"`
	Version   string `json:"version"`
	TenantID  string `json:"tenantId,omitempty"`
}

type reportRecord struct {
	RequestID string        `json:"requestId"`
	Metrics   reportMetrics `json:"metrics"`
	Status    string        `json:"status"`
	ErrorType string        `json:"errorType,omitempty"`
	TenantID  string        `json:"tenantId,omitempty"`
}

type reportMetrics struct {
	DurationMs       float64  `json:"durationMs"`
	BilledDurationMs int64    `json:"billedDurationMs"`
	MemorySizeMB     int      `json:"memorySizeMB"`
	MaxMemoryUsedMB  int      `json:"maxMemoryUsedMB"`
	InitDurationMs   *float64 `json:"initDurationMs,omitempty"`
}

// initStart writes INIT_START: a process of the environment starts its init.
func (s *streamLog) initStart(initType, phase string) {
	if s == nil {
		return
	}
	s.put(func(t time.Time) string {
		if s.format == LogJSON {
			return jsonEvent{jsonTime(t), "platform.initStart", initStartRecord{initType, phase, RuntimeVersion, RuntimeVersionARN}}.String()
		}
		return "INIT_START Runtime Version: " + RuntimeVersion + "\tRuntime Version ARN: " + RuntimeVersionARN + "\n"
	})
}

// initReport writes INIT_REPORT for an init that failed: status is
// statusError (with errType) or statusTimeout.
func (s *streamLog) initReport(initType, phase string, d time.Duration, status, errType string) {
	if s == nil {
		return
	}
	s.put(func(t time.Time) string {
		if s.format == LogJSON {
			return jsonEvent{jsonTime(t), "platform.initReport", initReportRecord{initType, phase, status, errType, initMetrics{ms(d)}}}.String()
		}
		line := fmt.Sprintf("INIT_REPORT Init Duration: %.2f ms\tPhase: %s\tStatus: %s", ms(d), phase, status)
		if errType != "" {
			line += "\tError Type: " + errType
		}
		return line + "\n"
	})
}

// start writes START: a call is handed to the function.
func (s *streamLog) start(requestID, tenant string) {
	if s == nil {
		return
	}
	s.put(func(t time.Time) string {
		if s.format == LogJSON {
			return jsonEvent{jsonTime(t), "platform.start", startRecord{requestID, s.version, tenant}}.String()
		}
		return "START RequestId: " + requestID + " Version: " + s.version + "\n"
	})
}

// line writes one line of the function's output (without its newline),
// as it is in either format: the function's own words.
func (s *streamLog) line(text string) {
	if s == nil {
		return
	}
	s.put(func(time.Time) string { return text + "\n" })
}

// end writes END and REPORT: a call is over.
func (s *streamLog) end(r callReport) {
	if s == nil {
		return
	}
	if s.format == LogText {
		s.put(func(time.Time) string { return "END RequestId: " + r.RequestID + "\n" })
	}
	s.put(func(t time.Time) string {
		if s.format == LogJSON {
			m := reportMetrics{DurationMs: ms(r.Duration), BilledDurationMs: r.billedMs(), MemorySizeMB: r.MemorySizeMB, MaxMemoryUsedMB: r.MaxMemoryMB}
			if r.Init > 0 {
				init := ms(r.Init)
				m.InitDurationMs = &init
			}
			status := r.Status
			if status == "" {
				status = "success"
			}
			return jsonEvent{jsonTime(t), "platform.report", reportRecord{r.RequestID, m, status, r.ErrorType, r.Tenant}}.String()
		}
		return textReport(r)
	})
}

// textReport is a REPORT line in text format: tab-separated fields, each
// followed by a tab, and on a failure the status (and error type) last,
// with no tab after it (docs/sources.md [S16]).
func textReport(r callReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		r.RequestID, ms(r.Duration), r.billedMs(), r.MemorySizeMB, r.MaxMemoryMB)
	if r.Init > 0 {
		fmt.Fprintf(&b, "Init Duration: %.2f ms\t", ms(r.Init))
	}
	if r.Status != "" {
		b.WriteString("Status: " + r.Status)
		if r.ErrorType != "" {
			b.WriteString("\tError Type: " + r.ErrorType)
		}
	}
	b.WriteString("\n")
	return b.String()
}
