package cloudwatch

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// tripwire is every HTTP(S) proxy of this test binary: a request that
// would leave loopback reaches it (TestMain fails the run on any).
var tripwire *loopback.Tripwire

func TestMain(m *testing.M) { os.Exit(loopback.GuardedRun(m, &tripwire)) }

// awsEnv is a fresh account on endpoint: dummy credentials, an isolated
// HOME, no shared config, no instance metadata, a PATH with no AWS CLI.
func awsEnv(t *testing.T, endpoint string) aws.Config {
	t.Helper()
	loopback.FreshAccount(t, endpoint)
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	return cfg
}

func events(n int, from time.Time, size int) []types.InputLogEvent {
	out := make([]types.InputLogEvent, n)
	for i := range out {
		msg := fmt.Sprintf("%d %s\n", i, strings.Repeat("x", size))
		out[i] = types.InputLogEvent{Message: aws.String(msg), Timestamp: aws.Int64(from.Add(time.Duration(i) * time.Second).UnixMilli())}
	}
	return out
}

func TestBatchesKeepWithinPutLogEventsLimits(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		name string
		in   []types.InputLogEvent
		want int
	}{
		{"many small", events(25000, now, 1), 3},   // 10,000 a call
		{"few large", events(50, now, 100<<10), 5}, // 1 MB a call: 10 of 100 KB (and their overhead) make 1,024,260 bytes
		{"a day apart", append(events(2, now, 1), events(2, now.Add(25*time.Hour), 1)...), 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			batches := Batches(c.in)
			assert.Check(t, is.Len(batches, c.want))
			var all []types.InputLogEvent
			for _, b := range batches {
				size := 0
				for _, e := range b {
					size += len(*e.Message) + eventOverhead
				}
				assert.Check(t, len(b) >= 1 && len(b) <= maxBatchEvents)
				assert.Check(t, size <= maxBatchBytes, "%d bytes", size)
				assert.Check(t, *b[len(b)-1].Timestamp-*b[0].Timestamp <= maxBatchSpan.Milliseconds())
				all = append(all, b...)
			}
			assert.Assert(t, is.Len(all, len(c.in)), "every event once")
			for i := range all {
				assert.Check(t, all[i] == c.in[i], "event %d in its place", i)
			}
		})
	}
}

// TestASinkFillsALogGroup sends two streams, one of more than 10,000
// events (so several calls), to moto's CloudWatch Logs and reads them
// back with the SDK: every event, in its stream, in order, with its time.
func TestASinkFillsALogGroup(t *testing.T) {
	endpoint := loopback.StartMoto(t)
	cfg := awsEnv(t, endpoint)
	const group = "/aws/lambda/probe"
	sink, err := New(t.Context(), cfg, endpoint, group)
	assert.NilError(t, err)
	// moto refuses events older than 14 days: these are of the last hour.
	start := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	want := map[string][]lambdahost.LogEvent{}
	for i := range 10050 {
		ev := lambdahost.LogEvent{Stream: "2026/01/02/[$LATEST]aaaa", Time: start.Add(time.Duration(i) * time.Millisecond), Message: fmt.Sprintf("line %d\n", i)}
		want[ev.Stream] = append(want[ev.Stream], ev)
		sink.Log(ev)
		if i%3 == 0 {
			ev := lambdahost.LogEvent{Stream: "2026/01/02/[$LATEST]bbbb", Time: ev.Time, Message: "REPORT RequestId: x\tDuration: 1.00 ms\t\n"}
			want[ev.Stream] = append(want[ev.Stream], ev)
			sink.Log(ev)
		}
	}
	assert.NilError(t, sink.Close(t.Context()))

	client := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for stream, evs := range want {
		got := readStream(t, client, group, stream)
		assert.Assert(t, is.Len(got, len(evs)), stream)
		for i, e := range evs {
			assert.Check(t, is.Equal(*got[i].Message, e.Message))
			assert.Check(t, is.Equal(*got[i].Timestamp, e.Time.UnixMilli()))
		}
	}
}

// readStream reads a whole stream from its head.
func readStream(t *testing.T, client *cloudwatchlogs.Client, group, stream string) []types.OutputLogEvent {
	t.Helper()
	var out []types.OutputLogEvent
	var token *string
	for {
		page, err := client.GetLogEvents(t.Context(), &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group),
			LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true), NextToken: token})
		assert.NilError(t, err)
		out = append(out, page.Events...)
		if len(page.Events) == 0 || page.NextForwardToken == nil || (token != nil && *page.NextForwardToken == *token) {
			return out
		}
		token = page.NextForwardToken
	}
}

// TestTheTripwireCatchesARequestToAWS: with no endpoint of its own, the
// SDK would call AWS; the tripwire gets that request instead, so its
// silence in the other tests means something.
func TestTheTripwireCatchesARequestToAWS(t *testing.T) {
	loopback.FreshAccount(t, "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "")
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	client := cloudwatchlogs.NewFromConfig(cfg) // AWS's own endpoint
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err = client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("x")})
	assert.Check(t, err != nil)
	hits := tripwire.Take()
	assert.Assert(t, len(hits) > 0, "the request to AWS did not reach the tripwire")
	assert.Check(t, is.Equal(hits[0], "CONNECT logs.eu-west-1.amazonaws.com:443"))
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	cfg := awsEnv(t, "http://127.0.0.1:1")
	for _, c := range []struct{ endpoint, group, region, want string }{
		{"127.0.0.1:4566", "/aws/lambda/probe", "eu-west-1", "not an http(s) URL"},
		{"http://127.0.0.1:4566/path?token=secret", "/aws/lambda/probe", "eu-west-1", "give only scheme://host[:port]"},
		{"http://127.0.0.1:4566", "/aws/lambda/probe", "", "no region: set AWS_REGION"},
		{"http://127.0.0.1:4566", "", "eu-west-1", "no log group named"},
	} {
		cfg := cfg.Copy()
		cfg.Region = c.region
		_, err := New(t.Context(), cfg, c.endpoint, c.group)
		assert.Check(t, is.ErrorContains(err, c.want), c.endpoint)
		if err != nil {
			assert.Check(t, !strings.Contains(err.Error(), "secret"), "the URL's query stays out of errors")
		}
	}
}
