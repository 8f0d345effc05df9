// Package scripts tests deploy.sh, teardown.sh and the nightly scripts
// against moto's emulator of the AWS APIs on 127.0.0.1, driven by the real
// AWS CLI v2 (emulator_test.go), and, for what the emulator cannot show, a
// fake aws command that records its arguments: no AWS account, nothing
// beyond loopback, and no AWS CLI ever found through the PATH the tests
// inherit (TestScriptsNeverRunAnInstalledCLI).
package scripts

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestMain makes a tripwire every HTTP(S) proxy of this test binary: a
// request of its own (the local host's log sink) that would leave
// loopback reaches it, and the run fails on any. The scripts' processes
// get environments of their own.
func TestMain(m *testing.M) {
	var tripwire *loopback.Tripwire
	os.Exit(loopback.GuardedRun(m, &tripwire))
}

// fakeAWS answers like the AWS CLI v2 for the calls the scripts make,
// keeping what exists as files in $FAKE_AWS_STATE, and logs every call.
const fakeAWS = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_AWS_LOG"
s=$FAKE_AWS_STATE
exists() { [ -e "$s/$1" ] || { echo "An error occurred (ResourceNotFoundException)" >&2; exit 254; }; }
count() { if [ -e "$s/$1" ]; then echo 1; else echo 0; fi; }
if [ -n "$FAKE_AWS_FAIL" ] && [ "$1 $2" = "$FAKE_AWS_FAIL" ]; then echo "An error occurred (ServiceException)" >&2; exit 254; fi
case "$1 $2" in
  "--version ") echo "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12" ;;
  "sts get-caller-identity") [ -n "$FAKE_AWS_NO_CREDS" ] && exit 253; echo 123456789012 ;;
  "configure get") echo "$FAKE_AWS_PROFILE_REGION" ;;
  "iam get-role") exists role ;;
  "iam create-role") touch "$s/role" ;;
  "iam attach-role-policy") exists role; touch "$s/policy" ;;
  "iam list-attached-role-policies") exists role; count policy ;;
  "iam detach-role-policy") rm "$s/policy" ;;
  "iam delete-role") [ -e "$s/policy" ] && { echo "An error occurred (DeleteConflict)" >&2; exit 254; }; rm "$s/role" ;;
  "logs describe-log-groups") count loggroup ;;
  "logs create-log-group") touch "$s/loggroup" ;;
  "logs put-retention-policy") exists loggroup; echo "$*" > "$s/loggroup" ;;
  "logs delete-log-group") rm "$s/loggroup" ;;
  "lambda get-function") exists function ;;
  "lambda create-function") touch "$s/function" ;;
  "lambda delete-function") rm "$s/function" ;;
  "lambda get-function-url-config") exists url; echo "${FAKE_AWS_URL:-https://abc123.lambda-url.eu-west-1.on.aws/}" ;;
  "lambda create-function-url-config") touch "$s/url"; echo "${FAKE_AWS_URL:-https://abc123.lambda-url.eu-west-1.on.aws/}" ;;
  "lambda delete-function-url-config") rm "$s/url" ;;
esac
exit 0
`

type fake struct {
	dir, log, state string
	env             []string
	emulated        bool   // the aws in bin runs the real CLI against moto (newEmulated)
	endpoint        string // moto's, when emulated
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{dir: t.TempDir()}
	f.log, f.state = filepath.Join(f.dir, "calls.log"), filepath.Join(f.dir, "state")
	assert.NilError(t, os.Mkdir(f.state, 0o755))
	bin := filepath.Join(f.dir, "bin")
	assert.NilError(t, os.Mkdir(bin, 0o755))
	assert.NilError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755))
	// The scripts' PATH is this private bin alone: the fake aws and links
	// to the tools the scripts use, so no installed AWS CLI (Debian's
	// awscli puts one in /usr/bin) can ever be run, whatever PATH the test
	// inherits. HOME is a fresh folder, so no ~/.aws is read.
	for _, tool := range scriptTools {
		if path, err := exec.LookPath(tool); err == nil {
			assert.NilError(t, os.Symlink(path, filepath.Join(bin, tool)))
		}
	}
	home := t.TempDir()
	f.env = []string{"PATH=" + bin, "HOME=" + home,
		"GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOPATH=" + goEnv(t, "GOPATH"), "GOTOOLCHAIN=local",
		"GOFLAGS=" + goEnv(t, "GOFLAGS"), "GOPROXY=" + goEnv(t, "GOPROXY"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"FAKE_AWS_LOG=" + f.log, "FAKE_AWS_STATE=" + f.state,
		"LAMBDA_REUSE_BUILD=" + filepath.Join(f.dir, "build")} // the probe built apart from other tests' deploys
	return f
}

// scriptTools are the commands the scripts (and the tools they start) run,
// linked into the scripts' private PATH where this machine has them.
var scriptTools = []string{"bash", "sh", "env", "go", "git", "zip", "tar", "cat", "cp", "mv", "rm", "mkdir", "mktemp",
	"dirname", "basename", "date", "printf", "sleep", "head", "tail", "find", "sed", "awk", "grep", "tr", "sort", "uniq",
	"wc", "cut", "touch", "ls", "ln", "readlink", "realpath", "tee", "sha256sum", "uname", "id", "xargs", "true", "false",
	"gcc", "cc", "ld", "as", "pwd", "chmod", "stat", "jq", "gzip"}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	assert.NilError(t, err)
	return strings.TrimSpace(string(out))
}

// run runs a script from the module root and returns its output and the
// aws calls it made (subcommand pairs, e.g. "lambda create-function").
func (f *fake) run(t *testing.T, extraEnv []string, script string, args ...string) (string, []string, error) {
	t.Helper()
	os.Remove(f.log)
	cmd := exec.Command("bash", append([]string{filepath.Join("..", "scripts", script)}, args...)...)
	cmd.Env = append(append([]string{}, f.env...), extraEnv...)
	out, err := cmd.CombinedOutput()
	raw, _ := os.ReadFile(f.log)
	var calls []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[0] != "--version" {
			calls = append(calls, fields[0]+" "+fields[1])
		}
	}
	return string(out), calls, err
}

var region = []string{"AWS_REGION=eu-west-1"}

// TestDeployCreatesThenUpdatesThenTearsDown deploys to the emulated
// account, updates, and tears down, checking the account after each step.
func TestDeployCreatesThenUpdatesThenTearsDown(t *testing.T) {
	t.Parallel() // its own emulated account, folders and environment: nothing shared
	f := newEmulated(t)
	const name = "lambda-reuse-probe"
	out, calls, err := f.run(t, region, "deploy.sh")
	assert.NilError(t, err, out)
	assert.Check(t, is.DeepEqual(calls, []string{
		"sts get-caller-identity", "lambda get-function",
		"iam get-role", "iam create-role", "iam attach-role-policy", "iam wait",
		"lambda create-function", "lambda wait",
		"logs describe-log-groups", "logs create-log-group", "logs put-retention-policy",
		"lambda get-function-url-config", "lambda create-function-url-config",
	}))
	assert.Check(t, is.DeepEqual(f.account(t, name), []string{"function", "loggroup", "policy", "role", "url"}))
	group := f.logGroup(t, "/aws/lambda/"+name)
	assert.Assert(t, group != nil)
	assert.Check(t, is.Equal(aws.ToInt32(group.RetentionInDays), int32(7)))
	fn := f.function(t, name)
	assert.Check(t, is.DeepEqual([]any{fn.Runtime, aws.ToString(fn.Handler), aws.ToInt32(fn.MemorySize), fn.Architectures},
		[]any{lambdatypes.RuntimeProvidedal2023, "bootstrap", int32(128), []lambdatypes.Architecture{lambdatypes.ArchitectureArm64}}))
	fnURL := f.functionURL(t, name)
	assert.Check(t, is.Equal(fnURL.AuthType, lambdatypes.FunctionUrlAuthTypeAwsIam))
	assert.Check(t, is.Contains(out, "export LAMBDA_REUSE_URL="+aws.ToString(fnURL.FunctionUrl)))
	assert.Check(t, is.Contains(out, "export LAMBDA_REUSE_AUTH=iam"))
	assert.Check(t, is.Contains(out, "$0.62 on arm64"))
	sha := aws.ToString(fn.CodeSha256)

	// Again, with everything in place: the update path, nothing created,
	// the code and the configuration changed.
	out, calls, err = f.run(t, region, "deploy.sh", "--amd64", "--memory", "256")
	assert.NilError(t, err, out)
	assert.Check(t, is.DeepEqual(calls, []string{
		"sts get-caller-identity", "lambda get-function", "lambda get-function-configuration",
		"iam get-role",
		"lambda update-function-code", "lambda wait", "lambda update-function-configuration", "lambda wait",
		"logs describe-log-groups", "logs put-retention-policy",
		"lambda get-function-url-config", "lambda get-function-url-config",
	}))
	// moto keeps a function's first architecture through
	// update-function-code, so the flag is checked in the call it got.
	fn = f.function(t, name)
	assert.Check(t, is.Equal(aws.ToInt32(fn.MemorySize), int32(256)))
	raw, err := os.ReadFile(f.log)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(raw), "lambda update-function-code --function-name "+name+" --zip-file fileb://"))
	assert.Check(t, is.Contains(string(raw), "--architectures x86_64"))
	assert.Check(t, aws.ToString(fn.CodeSha256) != sha, "the update changed the code (an amd64 build)")
	assert.Check(t, is.DeepEqual(f.account(t, name), []string{"function", "loggroup", "policy", "role", "url"}))

	// The dry run of teardown looks up what exists and prints the deletes
	// it would make, making none.
	out, calls, err = f.run(t, region, "teardown.sh", "--dry-run")
	assert.NilError(t, err, out)
	for _, c := range calls {
		assert.Check(t, !strings.Contains(c, "delete") && !strings.Contains(c, "detach"), "a dry run called %s", c)
	}
	for _, want := range []string{"aws lambda delete-function-url-config --function-name " + name, "aws lambda delete-function --function-name " + name,
		"aws logs delete-log-group --log-group-name /aws/lambda/" + name, "aws iam detach-role-policy --role-name " + name + "-role",
		"aws iam delete-role --role-name " + name + "-role", "dry run: nothing was removed"} {
		assert.Check(t, is.Contains(out, want))
	}
	assert.Check(t, is.DeepEqual(f.account(t, name), []string{"function", "loggroup", "policy", "role", "url"}))

	out, calls, err = f.run(t, region, "teardown.sh")
	assert.NilError(t, err, out)
	assert.Check(t, is.DeepEqual(calls, []string{
		"sts get-caller-identity", "lambda get-alias",
		"lambda get-function-url-config", "lambda delete-function-url-config",
		"lambda get-function", "lambda delete-function",
		"logs describe-log-groups", "logs delete-log-group",
		"iam get-role", "iam list-attached-role-policies", "iam detach-role-policy", "iam delete-role",
	}))
	assert.Check(t, is.Len(f.account(t, name), 0), "teardown removed everything deploy created")

	// Teardown of nothing is fine, and its dry run names no delete.
	out, calls, err = f.run(t, region, "teardown.sh")
	assert.NilError(t, err, out)
	assert.Check(t, is.DeepEqual(calls, []string{"sts get-caller-identity", "lambda get-alias", "lambda get-function-url-config", "lambda get-function",
		"logs describe-log-groups", "iam get-role"}))
	out, _, err = f.run(t, region, "teardown.sh", "--dry-run")
	assert.NilError(t, err, out)
	assert.Check(t, !strings.Contains(out, "delete"), out)
}

// TestDeployWithProvisionedConcurrency: --provisioned N publishes a
// version, points the alias live at it with N environments of provisioned
// concurrency and gives the alias's URL; more than the account's
// concurrency is refused before any change; teardown removes the alias and
// its configuration with the rest. (The provisioned-concurrency calls and
// the account limit are the wrapper's: moto has neither.)
func TestDeployWithProvisionedConcurrency(t *testing.T) {
	t.Parallel() // its own emulated account, folders and environment: nothing shared
	f := newEmulated(t)
	const name = "lambda-reuse-probe"
	out, calls, err := f.run(t, append(region, "FAKE_AWS_LIMIT=10"), "deploy.sh", "--provisioned", "11")
	assert.Check(t, err != nil, out)
	assert.Check(t, is.Contains(out, "--provisioned 11 is above the account's concurrency limit in eu-west-1 (10): nothing was changed"))
	assert.Check(t, is.DeepEqual(calls, []string{"sts get-caller-identity", "lambda get-account-settings"}), "refused before any change")
	assert.Check(t, is.Len(f.account(t, name), 0))

	out, calls, err = f.run(t, region, "deploy.sh", "--provisioned", "3")
	assert.NilError(t, err, out)
	for _, want := range []string{"lambda get-account-settings", "lambda publish-version", "lambda get-alias", "lambda create-alias",
		"lambda put-provisioned-concurrency-config"} {
		assert.Check(t, is.Contains(calls, want))
	}
	alias := func() (*lambda.GetAliasOutput, error) {
		return f.sdk(t).lambda.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String("live")})
	}
	live, err := alias()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(aws.ToString(live.FunctionVersion), "1"), "the alias points at the published version")
	pc, err := f.aws(t, "lambda", "get-provisioned-concurrency-config", "--function-name", name, "--qualifier", "live")
	assert.NilError(t, err)
	assert.Check(t, is.Contains(pc, "--qualifier live --provisioned-concurrent-executions 3"))
	assert.Check(t, is.Contains(out, "LAMBDA_REUSE_FUNCTION="+name+":live"))
	assert.Check(t, is.Contains(out, "Provisioned concurrency: 3 x 128 MB = 1350 GB-seconds for every hour it exists"))
	// arm64: 1350 x $0.0000033334 = $0.0045 an hour; the seed plan's 16.67
	// hours of it, 37,500 GB-s of calls at $0.0000077778 and $0.12 of
	// requests: $0.0750 + $0.2917 + $0.12 = $0.49.
	assert.Check(t, is.Contains(out, "at $0.0000033334 per GB-second (arm64, US East): $0.0045 an hour"))
	assert.Check(t, is.Contains(out, "comes to about $0.49;"))
	raw, err := os.ReadFile(f.log)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(raw), "lambda create-function-url-config --function-name "+name+" --qualifier live"), "the URL is the alias's")

	// Again: the alias moves to the new version.
	out, calls, err = f.run(t, region, "deploy.sh", "--provisioned", "2")
	assert.NilError(t, err, out)
	assert.Check(t, is.Contains(calls, "lambda update-alias"))
	live, err = alias()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(aws.ToString(live.FunctionVersion), "2"))

	out, calls, err = f.run(t, region, "teardown.sh")
	assert.NilError(t, err, out)
	for _, want := range []string{"lambda delete-provisioned-concurrency-config", "lambda delete-alias", "lambda delete-function"} {
		assert.Check(t, is.Contains(calls, want))
	}
	_, err = alias()
	var gone *lambdatypes.ResourceNotFoundException
	assert.Check(t, errors.As(err, &gone), "the alias is gone: %v", err)
	_, err = f.aws(t, "lambda", "get-provisioned-concurrency-config", "--function-name", name, "--qualifier", "live")
	assert.Check(t, err != nil, "the provisioned concurrency is gone")
	assert.Check(t, is.Len(f.account(t, name), 0), "teardown removed everything deploy created")
}

// TestDeployWithTenantIsolation: --tenant-isolation is refused with
// --provisioned, and over an existing function without the mode (which is
// set at creation only), before any change; where the CLI does not know
// TenancyConfig (Debian's CLI 2.9 does not, nor does moto 5.2) creating one
// is refused, naming the CLI, before any change; a dry run shows the
// function created in the mode and no Function URL.
func TestDeployWithTenantIsolation(t *testing.T) {
	t.Parallel() // its own emulated account, folders and environment: nothing shared
	f := newEmulated(t)
	const name = "lambda-reuse-probe"
	out, calls, err := f.run(t, region, "deploy.sh", "--tenant-isolation", "--provisioned", "2")
	assert.Check(t, err != nil)
	assert.Check(t, is.Contains(out, "--tenant-isolation and --provisioned together: a function in tenant isolation mode cannot have provisioned concurrency"))
	assert.Check(t, is.Len(calls, 0))

	out, calls, err = f.run(t, region, "deploy.sh", "--tenant-isolation")
	skeleton, serr := f.aws(t, "lambda", "create-function", "--generate-cli-skeleton", "input")
	assert.NilError(t, serr)
	if !strings.Contains(skeleton, `"TenancyConfig"`) {
		assert.Check(t, err != nil, out)
		assert.Check(t, is.Contains(out, "does not know --tenancy-config: tenant isolation needs a CLI v2 from late 2025 or later"))
		assert.Check(t, is.Contains(out, "nothing was changed"))
		assert.Check(t, is.DeepEqual(calls, []string{"sts get-caller-identity", "lambda get-function", "lambda create-function"}))
		raw, err := os.ReadFile(f.log)
		assert.NilError(t, err)
		assert.Check(t, is.Contains(string(raw), "lambda create-function --generate-cli-skeleton input\n"), "the skeleton only, no change")
		assert.Check(t, is.Len(f.account(t, name), 0))
	} else {
		assert.NilError(t, err, out)
		assert.Check(t, !slices.Contains(calls, "lambda create-function-url-config"), "no Function URL in tenant isolation mode")
		out, _, err = f.run(t, region, "teardown.sh")
		assert.NilError(t, err, out)
	}

	// A function without the mode exists: deploying it with the mode is
	// refused before any change, and the function is left as it was.
	out, _, err = f.run(t, region, "deploy.sh")
	assert.NilError(t, err, out)
	out, calls, err = f.run(t, region, "deploy.sh", "--tenant-isolation")
	assert.Check(t, err != nil)
	assert.Check(t, is.Contains(out, "function "+name+" exists without tenant isolation, and the mode is set only when a function is created"))
	assert.Check(t, is.DeepEqual(calls, []string{"sts get-caller-identity", "lambda get-function", "lambda get-function-configuration"}), "refused before any change")
	assert.Check(t, is.DeepEqual(f.account(t, name), []string{"function", "loggroup", "policy", "role", "url"}))

	out, _, err = f.run(t, region, "deploy.sh", "--tenant-isolation", "--dry-run", "--name", "other")
	assert.NilError(t, err, out)
	assert.Check(t, is.Contains(out, "aws lambda create-function --function-name other"))
	assert.Check(t, is.Contains(out, "--tenancy-config TenantIsolationMode=PER_TENANT"))
	assert.Check(t, !strings.Contains(out, "function-url-config"), "no Function URL in tenant isolation mode")
	assert.Check(t, is.Contains(out, "export LAMBDA_REUSE_FUNCTION=other"))
	assert.Check(t, is.Contains(out, "-reuse.tenants=N"))
}

// TestTeardownCleansUpAfterAFailedDeploy fails a deploy to the emulated
// account at each of its creating calls in turn (the wrapper fails the
// call; moto cannot): whatever it had created by then, teardown removes.
func TestTeardownCleansUpAfterAFailedDeploy(t *testing.T) {
	for _, failAt := range []string{"iam attach-role-policy", "lambda create-function", "logs put-retention-policy", "lambda create-function-url-config"} {
		t.Run(failAt, func(t *testing.T) {
			t.Parallel() // each in an emulated account of its own
			f := newEmulated(t)
			out, _, err := f.run(t, append([]string{"FAKE_AWS_FAIL=" + failAt}, region...), "deploy.sh")
			assert.Check(t, err != nil, "the deploy failed:\n%s", out)
			assert.Check(t, len(f.account(t, "lambda-reuse-probe")) > 0, "it had created something")
			out, _, err = f.run(t, region, "teardown.sh")
			assert.NilError(t, err, out)
			assert.Check(t, is.Len(f.account(t, "lambda-reuse-probe"), 0), "teardown removed everything the failed deploy created")
		})
	}
}

// TestDryRunCallsNothing: deploy's dry run needs no account and calls
// nothing (teardown's looks up what exists: see
// TestDeployCreatesThenUpdatesThenTearsDown).
func TestDryRunCallsNothing(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	out, calls, err := f.run(t, region, "deploy.sh", "--dry-run")
	assert.NilError(t, err, out)
	assert.Check(t, is.Len(calls, 0), "deploy.sh --dry-run called aws: %v", calls)
	assert.Check(t, is.Contains(out, "aws "), "deploy.sh prints the calls")
	assert.Check(t, is.Contains(out, "aws lambda create-function --function-name lambda-reuse-probe --runtime provided.al2023"))
	assert.Check(t, is.Contains(out, "Dry run: nothing was deployed"))
}

// TestClearErrors runs against the fake: the emulator accepts any
// credentials and cannot stand in for a missing or version-1 CLI.
func TestClearErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	tests := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, nil, "no region: set AWS_REGION"},
		{append([]string{"FAKE_AWS_NO_CREDS=1"}, region...), nil, "no AWS credentials"},
		{region, []string{"--arch", "sparc"}, "--arch must be arm64 or amd64, got sparc"},
		{region, []string{"--memory", "lots"}, "--memory must be a whole number of MB"},
		{region, []string{"--frobnicate"}, "unknown argument: --frobnicate"},
		{region, []string{"--provisioned", "some"}, "--provisioned must be a whole number of environments, got some"},
	}
	for _, tc := range tests {
		out, calls, err := f.run(t, tc.env, "deploy.sh", tc.args...)
		assert.Check(t, err != nil, "%v %v should fail", tc.env, tc.args)
		assert.Check(t, is.Contains(out, tc.want))
		for _, c := range calls {
			assert.Check(t, !strings.Contains(c, "create"), "nothing created on error: %v", calls)
		}
	}
	// Without the CLI at all.
	noCLI := newFake(t)
	os.Remove(filepath.Join(noCLI.dir, "bin", "aws"))
	out, _, err := noCLI.run(t, region, "deploy.sh")
	assert.Check(t, err != nil)
	assert.Check(t, is.Contains(out, "the AWS CLI v2 is not installed"))
}

// TestScriptsPassShellcheck: every script, and .ci/run, passes shellcheck.
func TestScriptsPassShellcheck(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed (.ci/run installs it)")
	}
	scripts, err := filepath.Glob("*.sh")
	assert.NilError(t, err)
	for i := range scripts {
		scripts[i] = filepath.Join("scripts", scripts[i])
	}
	scripts = append(scripts, filepath.Join(".ci", "run")) // CI's own script too
	cmd := exec.Command("shellcheck", append([]string{"-x"}, scripts...)...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	assert.NilError(t, err, string(out))
}

// TestScriptsNeverRunAnInstalledCLI puts a tripwire aws, one that records
// being run and fails, first on the PATH the tests inherit, where an
// installed AWS CLI would be: the scripts' runs, with the fake and without
// any CLI, never reach it.
func TestScriptsNeverRunAnInstalledCLI(t *testing.T) {
	trip := t.TempDir()
	ran := filepath.Join(trip, "ran")
	assert.NilError(t, os.WriteFile(filepath.Join(trip, "aws"), []byte("#!/bin/sh\necho \"$@\" >> "+ran+"\nexit 1\n"), 0o755))
	t.Setenv("PATH", trip+string(os.PathListSeparator)+os.Getenv("PATH"))
	path, err := exec.LookPath("aws")
	assert.NilError(t, err)
	assert.Assert(t, is.Equal(path, filepath.Join(trip, "aws")), "the tripwire is the aws this test would find")

	f := newFake(t)
	out, _, err := f.run(t, region, "deploy.sh")
	assert.NilError(t, err, out)
	out, _, err = f.run(t, region, "teardown.sh", "--dry-run")
	assert.NilError(t, err, out)
	noCLI := newFake(t)
	assert.NilError(t, os.Remove(filepath.Join(noCLI.dir, "bin", "aws")))
	out, _, err = noCLI.run(t, region, "deploy.sh")
	assert.Check(t, err != nil && strings.Contains(out, "the AWS CLI v2 is not installed"), out)
	_, err = os.Stat(ran)
	assert.Check(t, os.IsNotExist(err), "the tripwire aws was run")
}
