package scripts

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"gotest.tools/v3/assert"
)

// The script tests deploy to a real emulator of the AWS APIs, moto in
// server mode on 127.0.0.1, driven by the real AWS CLI v2 (Debian's awscli
// package): a wrong flag, JMESPath query or order of calls fails as it
// would against AWS. A fake stays only where the emulator cannot go: see
// TestClearErrors.

// realCLIs are where an installed AWS CLI v2 lives; the scripts reach it
// only through the test's wrapper, never through the PATH they inherit.
var realCLIs = []string{"/usr/bin/aws", "/usr/local/bin/aws"}

// realCLI is the installed AWS CLI v2, or why there is none.
func realCLI() (string, error) {
	for _, p := range realCLIs {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			return p, nil
		}
	}
	return "", fmt.Errorf("the AWS CLI v2 is not installed at %s (apt-get install awscli; .ci/run installs it)", strings.Join(realCLIs, " or "))
}

// startEmulator gives the test a fresh account of its own on moto's
// server (one server for the package's tests, with AWS's managed IAM
// policies loaded: the scripts attach AWSLambdaBasicExecutionRole), and
// returns its endpoint. The test skips,
// naming what is missing, where moto or the CLI cannot be had.
func startEmulator(t *testing.T) (endpoint, cli string) {
	t.Helper()
	if testenv.Race {
		t.Skip("the emulated script tests run shell scripts and the AWS CLI, not Go concurrency: they run without -race")
	}
	cli, err := realCLI()
	if err != nil {
		t.Skip(err)
	}
	return loopback.MotoAccount(t, "MOTO_IAM_LOAD_MANAGED_POLICIES=true"), cli
}

// emulatedAWS is the scripts' aws: it logs each call, fails the one named
// by FAKE_AWS_FAIL (moto cannot fail a chosen call), and runs the real CLI
// against the emulator (CLI 2.9 predates AWS_ENDPOINT_URL). moto 5.2 has
// no GetAccountSettings and no provisioned-concurrency configs: the
// wrapper answers those four calls itself, the config kept as a file in
// FAKE_AWS_STATE and the account limit FAKE_AWS_LIMIT (default 1000). Every
// other call, aliases and versions included, goes to moto.
const emulatedAWS = `#!/bin/sh
echo "$*" >> "$FAKE_AWS_LOG"
if [ -n "$FAKE_AWS_FAIL" ] && [ "$1 $2" = "$FAKE_AWS_FAIL" ]; then
  echo "An error occurred (ServiceException) when calling $1 $2: failed by the test" >&2
  exit 254
fi
pc="$FAKE_AWS_STATE/provisioned-concurrency"
case "$1 $2" in
  "lambda get-account-settings") echo "${FAKE_AWS_LIMIT:-1000}"; exit 0 ;;
  "lambda put-provisioned-concurrency-config") echo "$*" > "$pc"; exit 0 ;;
  "lambda get-provisioned-concurrency-config")
    [ -f "$pc" ] || { echo "An error occurred (ProvisionedConcurrencyConfigNotFoundException)" >&2; exit 254; }
    cat "$pc"; exit 0 ;;
  "lambda delete-provisioned-concurrency-config") rm -f "$pc"; exit 0 ;;
esac
exec %s --endpoint-url %s "$@"
`

// newEmulated is newFake against a fresh emulated account: dummy
// credentials, an isolated HOME, no instance metadata, a PATH of the
// wrapper and the scripts' tools alone.
func newEmulated(t *testing.T) *fake {
	t.Helper()
	endpoint, cli := startEmulator(t)
	f := newFake(t)
	assert.NilError(t, os.WriteFile(filepath.Join(f.dir, "bin", "aws"), []byte(fmt.Sprintf(emulatedAWS, cli, endpoint)), 0o755))
	f.emulated, f.endpoint = true, endpoint
	f.env = append(f.env, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=testing",
		"LAMBDA_REUSE_ROLE_SETTLE=0") // the emulator's roles are usable at once
	return f
}

// aws runs the CLI on the emulated account, as the scripts do, and returns
// its output.
func (f *fake) aws(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(f.dir, "bin", "aws"), args...)
	cmd.Env = append(append([]string{}, f.env...), "AWS_REGION=eu-west-1", "FAKE_AWS_LOG="+filepath.Join(f.dir, "checks.log"))
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// sdk is the emulated account seen through the AWS SDK for Go: the
// tests' checks of what a script left read it there, a call in-process
// rather than a run of the CLI (the scripts themselves run the real CLI).
type sdk struct {
	lambda *lambda.Client
	logs   *cloudwatchlogs.Client
	iam    *iam.Client
}

// sdk returns the clients of the emulated account.
func (f *fake) sdk(t *testing.T) sdk {
	t.Helper()
	cfg, err := loopback.Config(t.Context(), f.endpoint)
	assert.NilError(t, err)
	return sdk{lambda.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg), iam.NewFromConfig(cfg)}
}

// function is the configuration of the function named name.
func (f *fake) function(t *testing.T, name string) *lambda.GetFunctionConfigurationOutput {
	t.Helper()
	c, err := f.sdk(t).lambda.GetFunctionConfiguration(t.Context(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	assert.NilError(t, err)
	return c
}

// functionURL is the Function URL configuration of the function named
// name (qualifier "" for the unqualified function).
func (f *fake) functionURL(t *testing.T, name string) *lambda.GetFunctionUrlConfigOutput {
	t.Helper()
	c, err := f.sdk(t).lambda.GetFunctionUrlConfig(t.Context(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(name)})
	assert.NilError(t, err)
	return c
}

// logGroup is the log group named group, or nil where there is none.
func (f *fake) logGroup(t *testing.T, group string) *logstypes.LogGroup {
	t.Helper()
	groups, err := f.sdk(t).logs.DescribeLogGroups(t.Context(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	assert.NilError(t, err)
	for i, g := range groups.LogGroups {
		if aws.ToString(g.LogGroupName) == group {
			return &groups.LogGroups[i]
		}
	}
	return nil
}

// account lists what exists of a deploy named name: "function",
// "loggroup", "policy" (AWSLambdaBasicExecutionRole attached to the role),
// "role", "url", read through the AWS SDK for Go. Anything but "not found"
// fails the test.
func (f *fake) account(t *testing.T, name string) []string {
	t.Helper()
	c := f.sdk(t)
	found := func(err error) bool {
		t.Helper()
		var nf *lambdatypes.ResourceNotFoundException
		var nse *iamtypes.NoSuchEntityException
		if errors.As(err, &nf) || errors.As(err, &nse) {
			return false
		}
		assert.NilError(t, err)
		return true
	}
	var out []string
	if _, err := c.lambda.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String(name)}); found(err) {
		out = append(out, "function")
	}
	if f.logGroup(t, "/aws/lambda/"+name) != nil {
		out = append(out, "loggroup")
	}
	role := aws.String(name + "-role")
	if _, err := c.iam.GetRole(t.Context(), &iam.GetRoleInput{RoleName: role}); found(err) {
		out = append(out, "role")
		attached, err := c.iam.ListAttachedRolePolicies(t.Context(), &iam.ListAttachedRolePoliciesInput{RoleName: role})
		assert.NilError(t, err)
		if slices.ContainsFunc(attached.AttachedPolicies, func(p iamtypes.AttachedPolicy) bool {
			return aws.ToString(p.PolicyName) == "AWSLambdaBasicExecutionRole"
		}) {
			out = append(out, "policy")
		}
	}
	if _, err := c.lambda.GetFunctionUrlConfig(t.Context(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(name)}); found(err) {
		out = append(out, "url")
	}
	slices.Sort(out)
	return out
}
