package loopback

import (
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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

// TestMotoAccountsAreApart: tests in parallel share MotoAccount's server,
// each in an account of its own: a log group and an IAM role one makes,
// the other never sees, and both see their own.
func TestMotoAccountsAreApart(t *testing.T) {
	var servers [2]string
	t.Run("group", func(t *testing.T) {
		for i := range servers {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				endpoint := MotoAccount(t)
				cfg, err := Config(t.Context(), endpoint)
				assert.NilError(t, err)
				logs := cloudwatchlogs.NewFromConfig(cfg)
				name := fmt.Sprintf("/aws/lambda/f%d", i)
				_, err = logs.CreateLogGroup(t.Context(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)})
				assert.NilError(t, err)
				roles := iam.NewFromConfig(cfg)
				_, err = roles.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprint("r", i)),
					AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
				assert.NilError(t, err)
				groups, err := logs.DescribeLogGroups(t.Context(), &cloudwatchlogs.DescribeLogGroupsInput{})
				assert.NilError(t, err)
				assert.Assert(t, is.Len(groups.LogGroups, 1))
				assert.Check(t, is.Equal(aws.ToString(groups.LogGroups[0].LogGroupName), name))
				listed, err := roles.ListRoles(t.Context(), &iam.ListRolesInput{})
				assert.NilError(t, err)
				assert.Assert(t, is.Len(listed.Roles, 1))
				assert.Check(t, is.Equal(aws.ToString(listed.Roles[0].RoleName), fmt.Sprint("r", i)))
				servers[i] = endpoint
			})
		}
	})
	assert.Check(t, servers[0] != servers[1], "an endpoint of each test's own")
	accounts.Lock()
	assert.Check(t, is.Len(accounts.servers, 1), "one server")
	accounts.Unlock()
	assert.Check(t, is.Len(tripwire.Take(), 0))
}
