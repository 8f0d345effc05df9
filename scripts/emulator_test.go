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

// startEmulator starts moto's server on a free loopback port for the
// test, with AWS's managed IAM policies loaded (the scripts attach
// AWSLambdaBasicExecutionRole), and returns its endpoint. The test skips,
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
	return loopback.StartMoto(t, "MOTO_IAM_LOAD_MANAGED_POLICIES=true"), cli
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

// account lists what exists of a deploy named name: "function",
// "loggroup", "policy" (attached to the role), "role", "url"; the
// function, its URL and its log group read through the AWS SDK for Go, the
// role and its policy through the CLI (the SDK's IAM client is no
// dependency of the project). Anything but "not found" fails the test.
func (f *fake) account(t *testing.T, name string) []string {
	t.Helper()
	cfg, err := loopback.Config(t.Context(), f.endpoint)
	assert.NilError(t, err)
	fn := lambda.NewFromConfig(cfg)
	found := func(err error) bool {
		t.Helper()
		var nf *lambdatypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return false
		}
		assert.NilError(t, err)
		return true
	}
	var out []string
	if _, err := fn.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String(name)}); found(err) {
		out = append(out, "function")
	}
	group := "/aws/lambda/" + name
	groups, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(t.Context(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	assert.NilError(t, err)
	if slices.ContainsFunc(groups.LogGroups, func(g logstypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == group }) {
		out = append(out, "loggroup")
	}
	if _, err := f.aws(t, "iam", "get-role", "--role-name", name+"-role"); err == nil {
		out = append(out, "role")
		if n, err := f.aws(t, "iam", "list-attached-role-policies", "--role-name", name+"-role",
			"--query", "length(AttachedPolicies[?PolicyName=='AWSLambdaBasicExecutionRole'])", "--output", "text"); err == nil && n == "1" {
			out = append(out, "policy")
		}
	}
	if _, err := fn.GetFunctionUrlConfig(t.Context(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(name)}); found(err) {
		out = append(out, "url")
	}
	slices.Sort(out)
	return out
}
