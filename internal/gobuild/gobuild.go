// Package gobuild builds Go commands of this module for tests: the probe's
// bootstrap, the Runtime Interface Emulator pinned as a tool dependency.
package gobuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Target says what to build.
type Target struct {
	// Package is the import path of a main package in this module's build list.
	Package string
	// GOOS and GOARCH default to the host's.
	GOOS, GOARCH string
	// Tags are build tags, e.g. "lambda.norpc".
	Tags string
}

// Build compiles t into dir/name with CGO disabled, as Lambda's
// provided.al2023 runtime needs, and returns the binary's path.
func Build(dir, name string, t Target) (string, error) {
	out := filepath.Join(dir, name)
	args := []string{"build", "-trimpath", "-o", out}
	if t.Tags != "" {
		args = append(args, "-tags", t.Tags)
	}
	cmd := exec.Command("go", append(args, t.Package)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if t.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+t.GOOS)
	}
	if t.GOARCH != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+t.GOARCH)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", t.Package, err, stderr.Bytes())
	}
	return out, nil
}

// Probe is the probe's bootstrap, as deployed.
var Probe = Target{Package: "github.com/lambda-reuse/lambda-reuse/probe/cmd/bootstrap", Tags: "lambda.norpc"}

// RIE is the AWS Lambda Runtime Interface Emulator, pinned in go.mod.
var RIE = Target{Package: "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"}

// TestFunc is the probe with failure switches (panic, exit, leak, say), for host tests.
var TestFunc = Target{Package: "github.com/lambda-reuse/lambda-reuse/internal/testfunc", Tags: "lambda.norpc"}
