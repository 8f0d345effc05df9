package reusetest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// sdkPrefixes are the import paths of the AWS SDK for Go: the SDK and the
// smithy runtime it is built on.
var sdkPrefixes = []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go"}

// TestShortRunLinksNoAWSSDK: the README's first command builds this
// package's untagged test binary, which runs on the simulator alone; it
// and the analysis packages (summary, metric, report, fit, lambdalogs, and the
// experiments and simulator they run) link no package of the AWS SDK,
// which belongs to the integration-tagged test and the code that talks to
// an endpoint (package live). go list -deps -test says what each links; a
// failure names the chain of imports that brings the SDK in.
func TestShortRunLinksNoAWSSDK(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list the packages' imports with (%v): run go test, which puts its own on PATH", err)
	}
	roots := []string{".", "./summary", "./metric", "./report", "./fit", "./experiment", "./lambdasim", "./lambdalogs"}
	cmd := exec.Command(gocmd, append([]string{"list", "-deps", "-test", "-f", "{{.ImportPath}}\t{{join .Imports \"\\t\"}}"}, roots...)...)
	cmd.Env = append(os.Environ(), "GOFLAGS=") // untagged, whatever this test was built with
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	imports := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		imports[fields[0]] = fields[1:]
	}
	// The roots as go list names them: each package, and its test variants.
	rootCmd := exec.Command(gocmd, append([]string{"list", "-test", "-f", "{{.ImportPath}}"}, roots...)...)
	rootCmd.Env = cmd.Env
	rootOut, err := rootCmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	listed := 0
	for root := range strings.Lines(string(rootOut)) {
		root = strings.TrimSpace(root)
		listed++
		if chain := sdkChain(imports, root); chain != nil {
			t.Errorf("%s links the AWS SDK: %s", root, strings.Join(chain, " -> "))
		}
	}
	if listed < len(roots) {
		t.Fatalf("go list named %d packages for %d roots", listed, len(roots))
	}
}

// sdkChain is the shortest chain of imports from root to a package of the
// AWS SDK, or nil when there is none.
func sdkChain(imports map[string][]string, root string) []string {
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if slices.ContainsFunc(sdkPrefixes, func(prefix string) bool { return strings.HasPrefix(p, prefix) }) {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, q := range imports[p] {
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
	}
	return nil
}

// TestOnlyReusereportLinksTheFetch: of the project's packages, only the
// reusereport command imports the logs' fetch (lambdalogs/fetch), the
// analysis side's one door to the AWS SDK.
func TestOnlyReusereportLinksTheFetch(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list the packages' imports with (%v): run go test, which puts its own on PATH", err)
	}
	const fetch = "github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs/fetch"
	cmd := exec.Command(gocmd, "list", "-f", "{{.ImportPath}}\t{{join .Imports \"\\t\"}}", "../...")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var importers []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if slices.Contains(fields[1:], fetch) {
			importers = append(importers, fields[0])
		}
	}
	want := []string{"github.com/lambda-reuse/lambda-reuse/reusetest/report/cmd/reusereport"}
	if !slices.Equal(importers, want) {
		t.Errorf("packages importing %s: %v, want %v", fetch, importers, want)
	}
}
