// Package cloudwatch writes a local host's Lambda logs to a CloudWatch Logs
// endpoint through the AWS SDK for Go v2 (CreateLogGroup, CreateLogStream,
// PutLogEvents), as Lambda writes them to CloudWatch: a stream per
// environment in the function's log group. It is apart from lambdahost so
// that only the lambdahost command links the SDK's CloudWatch Logs client.
package cloudwatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
)

// The limits of one PutLogEvents call (docs/sources.md [S16]): at most
// maxBatchEvents events and maxBatchBytes bytes, each event counted as its
// message in UTF-8 plus eventOverhead, in time order, spanning at most a day.
const (
	maxBatchEvents = 10000
	maxBatchBytes  = 1 << 20
	eventOverhead  = 26
	maxBatchSpan   = 24 * time.Hour
)

// flush is how often the sink sends what it holds.
const flush = time.Second

// maxPending bounds the events the sink holds while the endpoint is slow
// or down; past it, new events are dropped and counted.
const maxPending = 200000

// Sink sends a host's log events to a log group. Close it after the host.
type Sink struct {
	client *cloudwatchlogs.Client
	group  string
	where  string // the endpoint, for errors: scheme and host, never a path or query

	mu      sync.Mutex
	pending map[string][]types.InputLogEvent // by stream
	held    int
	dropped int

	created  map[string]bool // streams made (the flusher's alone)
	rejected int             // events PutLogEvents refused (the flusher's alone)
	lost     int             // events of calls that failed (the flusher's alone)
	err      error           // the first failure (the flusher's alone)

	stop chan struct{}
	done chan struct{}
}

// New makes the log group (an existing one is kept) and starts a sink that
// sends to it through endpoint, with cfg's credentials, region and retries.
func New(ctx context.Context, cfg aws.Config, endpoint, group string) (*Sink, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("cloudwatch endpoint: not an http(s) URL")
	}
	where := u.Scheme + "://" + u.Host
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("cloudwatch endpoint " + where + ": give only scheme://host[:port]")
	}
	if cfg.Region == "" {
		return nil, errors.New("cloudwatch endpoint " + where + ": no region: set AWS_REGION (or a profile's region)")
	}
	if group == "" {
		return nil, errors.New("cloudwatch endpoint " + where + ": no log group named")
	}
	client := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err = client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	if err != nil && !alreadyExists(err) {
		return nil, fmt.Errorf("cloudwatch endpoint %s: creating log group %s: %w", where, group, err)
	}
	s := &Sink{client: client, group: group, where: where, pending: map[string][]types.InputLogEvent{},
		created: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s, nil
}

func alreadyExists(err error) bool {
	var e *types.ResourceAlreadyExistsException
	return errors.As(err, &e)
}

// Log holds ev until the next send.
func (s *Sink) Log(ev lambdahost.LogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held >= maxPending {
		s.dropped++
		return
	}
	s.pending[ev.Stream] = append(s.pending[ev.Stream], types.InputLogEvent{
		Message: aws.String(strings.ToValidUTF8(ev.Message, "\uFFFD")), Timestamp: aws.Int64(ev.Time.UnixMilli())})
	s.held++
}

func (s *Sink) run() {
	defer close(s.done)
	t := time.NewTicker(flush)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.send(context.Background())
		case <-s.stop:
			return
		}
	}
}

// send puts every stream's held events, a stream's in time order.
func (s *Sink) send(ctx context.Context) {
	s.mu.Lock()
	pending := s.pending
	s.pending = map[string][]types.InputLogEvent{}
	s.held = 0
	s.mu.Unlock()
	for _, stream := range slices.Sorted(maps.Keys(pending)) {
		events := pending[stream]
		if err := s.put(ctx, stream, events); err != nil {
			if s.err == nil {
				s.err = err
			}
		}
	}
}

// put sends one stream's events, creating the stream first if need be.
func (s *Sink) put(ctx context.Context, stream string, events []types.InputLogEvent) error {
	if !s.created[stream] {
		_, err := s.client.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(s.group), LogStreamName: aws.String(stream)})
		if err != nil && !alreadyExists(err) {
			s.lost += len(events)
			return fmt.Errorf("cloudwatch endpoint %s: creating log stream %s: %w", s.where, stream, err)
		}
		s.created[stream] = true
	}
	slices.SortStableFunc(events, func(a, b types.InputLogEvent) int { return cmp.Compare(*a.Timestamp, *b.Timestamp) })
	for _, batch := range Batches(events) {
		out, err := s.client.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(s.group), LogStreamName: aws.String(stream), LogEvents: batch})
		if err != nil {
			s.lost += len(batch)
			return fmt.Errorf("cloudwatch endpoint %s: putting %d events into %s: %w", s.where, len(batch), stream, err)
		}
		s.rejected += rejectedCount(out.RejectedLogEventsInfo, len(batch))
	}
	return nil
}

// rejectedCount is how many of a batch of n the service refused.
func rejectedCount(r *types.RejectedLogEventsInfo, n int) int {
	if r == nil {
		return 0
	}
	refused := 0
	if r.TooOldLogEventEndIndex != nil {
		refused = int(*r.TooOldLogEventEndIndex)
	}
	if r.ExpiredLogEventEndIndex != nil {
		refused = max(refused, int(*r.ExpiredLogEventEndIndex))
	}
	if r.TooNewLogEventStartIndex != nil {
		refused += n - int(*r.TooNewLogEventStartIndex)
	}
	return min(refused, n)
}

// Batches cuts events, in time order, into PutLogEvents calls within its
// limits.
func Batches(events []types.InputLogEvent) [][]types.InputLogEvent {
	var out [][]types.InputLogEvent
	for len(events) > 0 {
		n, size := 0, 0
		first := *events[0].Timestamp
		for n < len(events) && n < maxBatchEvents {
			sz := len(*events[n].Message) + eventOverhead
			if (n > 0 && size+sz > maxBatchBytes) || *events[n].Timestamp-first > maxBatchSpan.Milliseconds() {
				break
			}
			size += sz
			n++
		}
		out = append(out, events[:n:n])
		events = events[n:]
	}
	return out
}

// Close sends what the sink holds (within ctx) and stops it. Its error
// names the first failure and counts the events that did not arrive.
func (s *Sink) Close(ctx context.Context) error {
	close(s.stop)
	<-s.done
	s.send(ctx)
	var problems []string
	if s.err != nil {
		problems = append(problems, s.err.Error())
	}
	if s.lost > 0 {
		problems = append(problems, fmt.Sprintf("%d events not sent", s.lost))
	}
	if s.rejected > 0 {
		problems = append(problems, fmt.Sprintf("%d events refused by the endpoint (too old or too new)", s.rejected))
	}
	s.mu.Lock()
	if s.dropped > 0 {
		problems = append(problems, fmt.Sprintf("%d events dropped: more than %d waited to be sent", s.dropped, maxPending))
	}
	s.mu.Unlock()
	if len(problems) > 0 {
		return errors.New("cloudwatch logs: " + strings.Join(problems, "; "))
	}
	return nil
}
