package loopback

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

var tripwire *Tripwire

func TestMain(m *testing.M) { os.Exit(GuardedRun(m, &tripwire)) }

// logGroups lists the log groups of the account at endpoint.
func logGroups(t *testing.T, endpoint string) []string {
	t.Helper()
	FreshAccount(t, endpoint)
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	out, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(t.Context(), &cloudwatchlogs.DescribeLogGroupsInput{})
	assert.NilError(t, err)
	var names []string
	for _, g := range out.LogGroups {
		names = append(names, aws.ToString(g.LogGroupName))
	}
	return names
}

// TestSharedMotoIsAFreshAccountForEachTest: the shared server is one for
// the test binary, and what one test made there the next does not see.
func TestSharedMotoIsAFreshAccountForEachTest(t *testing.T) {
	var first string
	t.Run("makes a log group", func(t *testing.T) {
		first = SharedMoto(t)
		FreshAccount(t, first)
		cfg, err := config.LoadDefaultConfig(t.Context())
		assert.NilError(t, err)
		_, err = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(t.Context(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/f")})
		assert.NilError(t, err)
		assert.Check(t, is.DeepEqual(logGroups(t, first), []string{"/aws/lambda/f"}))
	})
	t.Run("sees none", func(t *testing.T) {
		endpoint := SharedMoto(t)
		assert.Check(t, is.Equal(endpoint, first), "one server")
		assert.Check(t, is.Len(logGroups(t, endpoint), 0))
	})
	assert.Check(t, is.Len(tripwire.Take(), 0))
}
