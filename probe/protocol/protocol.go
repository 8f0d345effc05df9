// Package protocol is what a caller and the probe agree on, with nothing
// of the Lambda runtime: the longest sleep a call may ask for, the fields
// and headers a caller may add, and the probe's answer. The analysis and
// the callers import it; only the probe itself (package probe) needs
// aws-lambda-go.
package protocol

// MaxSleepMS is the longest sleep a call may ask for.
const MaxSleepMS = 60_000

// A call may ask the probe to grow a global by leak_kb kilobytes (1 KB is
// 1,024 bytes; a decimal number, kept to the byte): a leak, so a live run
// can show memory growth end to end. 0, or no field, leaks nothing.
const LeakField = "leak_kb"

// MaxLeakKB is the most one call may ask the probe to leak: 100 MB.
const MaxLeakKB = 100 * 1024

// DefaultLeakCapMB is the most the probe's leaked global holds in all when
// the process does not know its function's memory size; where it does
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, on Lambda and the local host), the cap
// is that size. Past the cap the global grows no more: calls are served
// as usual, and the answer's leaked_kb says what the global holds. Lambda
// ends an environment whose memory passes its size before the cap is
// reached, since the process holds more than the global; elsewhere the cap
// is what keeps a mistaken leak from taking the host's memory.
const DefaultLeakCapMB = 128

// A caller may say when it scheduled a call: in the Invoke payload's
// "scheduled" field or, through a Function URL, in this header (RFC 3339
// with nanoseconds). The probe ignores it; the project's served pools run
// their model on these times, so real-time noise cannot sway them.
const (
	ScheduledField  = "scheduled"
	ScheduledHeader = "X-Lambda-Reuse-Scheduled"
)

// A caller may also say the call's place in its run's sending order, as
// "RUN/N" (RUN names the run, N counts the calls it sent from 0), in the
// "order" field or this header. The probe ignores it; a served pool takes
// calls in that order, whenever they arrive, so load on the machine
// changes nothing but wall time.
const (
	OrderField  = "order"
	OrderHeader = "X-Lambda-Reuse-Order"
)

// Response is everything the probe returns: an allow-list. A field
// reaches the records of a live run through the record.Record field of
// the same JSON name, or whose answer tag names it (record.Record.SetAnswer:
// rss_mb fills memory_used_mb, memory_mb memory_size_mb); record's tests
// name the fields no record keeps.
type Response struct {
	InstanceID string `json:"instance_id"`
	Invocation int64  `json:"invocation"`
	InitAt     string `json:"init_at"`
	LogStream  string `json:"log_stream"`
	BootID     string `json:"boot_id"`
	RequestID  string `json:"request_id"`
	InitType   string `json:"init_type"`
	TenantID   string `json:"tenant_id,omitempty"`
	// InFlight is how many calls the environment was serving when this
	// one started, itself included: 1 but on Managed Instances.
	InFlight int `json:"in_flight"`
	// MaxConcurrency is AWS_LAMBDA_MAX_CONCURRENCY, the most calls the
	// environment serves at once on Managed Instances; absent elsewhere.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// MemoryMB is the function's memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
	MemoryMB int `json:"memory_mb"`
	// RSSMB is the probe process's resident memory as the call ends, in MB
	// (2^20 bytes) to the KB, from /proc/self/statm; absent where that
	// cannot be read.
	RSSMB float64 `json:"rss_mb,omitempty"`
	// LeakedKB is what the probe's leaked global holds after this call, in
	// KB, when a call of this environment asked it to leak (LeakField);
	// absent otherwise. It stops at the cap (DefaultLeakCapMB).
	LeakedKB        float64 `json:"leaked_kb,omitempty"`
	FunctionVersion string  `json:"function_version"`
	Region          string  `json:"region"`
	Arch            string  `json:"arch"`
	GoVersion       string  `json:"go_version"`
	SleptMS         int64   `json:"slept_ms"`
}
